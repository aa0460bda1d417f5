"""Cart and checkout in the chat: thin adapters from the conversation to `shop.cart` and `shop.checkout`.

The cart lives in the shop database (the page and the chat share it): a logged-in shopper's by
customer, a guest's by this conversation's id (the widget's sender id, which the shop page uses
for its cart too). Every write passes an idempotency key made of the conversation and the Rasa
message id, so an action that Rasa re-runs for the same message changes nothing twice.

`cart_lines` (slot) keeps the line ids in the order the cart was last shown, so "remove the
second one" means the second card the shopper saw. Checkout is the `checkout_form`: its one
question (`checkout_confirmed`) shows the summary and remembers its token in `checkout_token`;
a guest, an empty cart or a customer without an address skip the question, and
`action_place_order` explains.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services, store
from actions.cards import CARDS_MESSAGE_TYPE, button_payload
from actions.context import entity_values, latest_text_is_button, requester, shop_engine, user_text
from actions.references import best_title_match, pick, position
from actions.safety import polite
from shop import cart as carts
from shop import checkout
from shop.cart_views import CartLineView, CartView
from shop.models import EventKind
from shop.money import format_money
from shop.refusals import Refusal, Refused
from shop.texts import say

#: The shop page's checkout (guests give email and address there).
CHECKOUT_PATH = "/checkout"
BOUGHT_TOGETHER_SIZE = 3
_NUMBER = re.compile(r"(?<![\w#.])(-?\d{1,7})(?![\w.])")
_ONE_MORE = re.compile(r"\b(one more|another|increase|bump|raise|plus one|add one)\b", re.I)
_ONE_LESS = re.compile(r"\b(one less|one fewer|decrease|reduce|lower|take one away|less)\b", re.I)
_DOUBLE = re.compile(r"\b(double|twice)\b", re.I)
_PAIR = re.compile(r"\ba (pair|couple)\b", re.I)


# --- reading the conversation -------------------------------------------------------------


def request_key(tracker: Tracker, action: str) -> str | None:
    """The idempotency key of this write: conversation + Rasa message id + action."""
    message_id = (tracker.latest_message or {}).get("message_id")
    if not message_id:
        for event in reversed(tracker.events):
            if event.get("event") == "user":
                message_id = event.get("message_id")
                break
    return f"chat:{tracker.sender_id}:{message_id}:{action}"[:200] if message_id else None


def wanted_quantity(tracker: Tracker) -> str | None:
    """The quantity the shopper named (entity, else a lone number in the words), as given."""
    values = entity_values(tracker, "quantity")
    if values:
        return values[0]
    if latest_text_is_button(tracker):
        return None
    text = (tracker.latest_message or {}).get("text") or ""
    numbers = _NUMBER.findall(text)
    return numbers[-1] if numbers else None


def relative_quantity(tracker: Tracker, current: int) -> int | None:
    """ "one more", "one less", "double it", "make it a pair": the new quantity, if the words say."""
    text = "" if latest_text_is_button(tracker) else user_text(tracker)
    if _DOUBLE.search(text):
        return current * 2
    if _PAIR.search(text):
        return 2
    if _ONE_MORE.search(text):
        return current + 1
    if _ONE_LESS.search(text):
        return current - 1
    return None


def _first(tracker: Tracker, entity: str) -> str | None:
    values = entity_values(tracker, entity)
    return values[0] if values else None


def _shown_in(tracker: Tracker) -> dict[str, str]:  # the list a card's button named (issue 16)
    list_id = _first(tracker, "recommendation_id")
    return {"recommendation_id": str(list_id)} if list_id else {}


def target_line(tracker: Tracker, cart: CartView) -> CartLineView | None:
    """The cart line the shopper means: a card button, "the second one", a product name, the only one."""
    for value in entity_values(tracker, "cart_line"):
        if value.isdigit() and cart.line(int(value)):
            return cart.line(int(value))
    order = [int(i) for i in tracker.get_slot("cart_lines") or []] or [line.line_id for line in cart.lines]
    for value in [*entity_values(tracker, "ordinal"), None]:
        text = value if value is not None else user_text(tracker)
        chosen = pick(order, position(text)) if text and not _NUMBER.fullmatch(text.strip()) else None
        if chosen is not None and cart.line(chosen):
            return cart.line(chosen)
    words = " ".join(entity_values(tracker, "product")) or (
        "" if latest_text_is_button(tracker) else user_text(tracker)
    )
    index = best_title_match(words, [line.title for line in cart.lines]) if words else None
    if index is not None:
        return cart.lines[index]
    return cart.lines[0] if len(cart.lines) == 1 else None


# --- rendering ----------------------------------------------------------------------------


def line_card(line: CartLineView) -> dict[str, Any]:
    """A cart line in the one product-card shape the widget and the shell render."""
    variant = say("cart.line_variant", variant=line.variant_text()) if line.variant_text() else ""
    buttons = [
        {
            "title": say("cart.button_remove"),
            "payload": button_payload("remove_from_cart", cart_line=line.line_id),
        }
    ]
    if line.quantity < min(carts.MAX_LINE_QUANTITY, line.stock):
        buttons.append(
            {
                "title": say("cart.button_one_more"),
                "payload": button_payload(
                    "update_cart_quantity", cart_line=line.line_id, quantity=line.quantity + 1
                ),
            }
        )
    if line.quantity > 1:
        buttons.append(
            {
                "title": say("cart.button_one_less"),
                "payload": button_payload(
                    "update_cart_quantity", cart_line=line.line_id, quantity=line.quantity - 1
                ),
            }
        )
    return {
        "id": line.product_id,
        "sku": line.sku,
        "title": line.title,
        "price": f"{line.line_total:.2f}",
        "currency": line.currency,
        "image_url": line.image_url,
        "rating": None,
        "rating_count": 0,
        "in_stock": line.stock >= line.quantity,
        "stock": line.stock,
        "reason": say(
            "cart.line_reason",
            quantity=line.quantity,
            unit_price=format_money(line.unit_price, line.currency),
            variant=variant,
        ),
        "buttons": buttons,
    }


def show_cart(dispatcher: CollectingDispatcher, cart: CartView) -> list[dict[str, Any]]:
    """A card per line, then the subtotal with what to do next; the slot events for references."""
    if cart.is_empty:
        dispatcher.utter_message(text=say("cart.empty"))
        return [SlotSet("cart_lines", [])]
    dispatcher.utter_message(text=say("cart.view_intro", summary=cart.summary()))
    dispatcher.utter_message(
        json_message={"type": CARDS_MESSAGE_TYPE, "products": [line_card(line) for line in cart.lines]}
    )
    dispatcher.utter_message(
        text=say(
            "cart.total_line",
            subtotal=format_money(cart.subtotal, cart.currency),
            items=carts.items_text(cart.units),
        ),
        buttons=[
            {"title": say("cart.button_checkout"), "payload": "/checkout"},
            {"title": say("cart.button_empty"), "payload": "/empty_cart"},
        ],
    )
    return [SlotSet("cart_lines", [line.line_id for line in cart.lines])]


def _after_write(dispatcher: CollectingDispatcher, change: carts.CartChange) -> list[dict[str, Any]]:
    buttons = [] if change.cart.is_empty else [
        {"title": say("cart.button_view"), "payload": "/view_cart"},
        {"title": say("cart.button_checkout"), "payload": "/checkout"},
    ]  # fmt: skip
    dispatcher.utter_message(text=change.message, buttons=buttons)
    return [SlotSet("cart_lines", [line.line_id for line in change.cart.lines])]


def _who(tracker: Tracker) -> tuple[Any, str]:
    return requester(tracker), tracker.sender_id


# --- the cart -----------------------------------------------------------------------------


class ActionAddToCart(Action):
    """Put a product in the cart (asking for the size or colour first when it has several)."""

    def name(self) -> str:
        return "action_add_to_cart"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        from actions.shopping import referenced_product

        product_id = referenced_product(tracker)
        if product_id is None:
            dispatcher.utter_message(text=say("cart.which_product"))
            return []
        focus = [SlotSet("focus_product", float(product_id))]
        size, color = _first(tracker, "size"), _first(tracker, "color")
        quantity = wanted_quantity(tracker) or 1
        who, session_id = _who(tracker)
        engine = shop_engine()
        try:
            question = carts.variant_question(product_id, size=size, color=color, engine=engine)
            if question is not None:
                dispatcher.utter_message(
                    text=question.question,
                    buttons=[
                        {
                            "title": option.label(question.attribute),
                            "payload": button_payload(
                                "add_to_cart",
                                product_id=product_id,
                                **(
                                    {"size": option.size}
                                    if question.attribute == "size"
                                    else {"color": option.color}
                                ),
                                **({"quantity": str(quantity)} if str(quantity) != "1" else {}),
                                **_shown_in(tracker),
                            ),
                        }
                        for option in question.options
                    ],
                )
                return focus
            change = carts.add_item(
                who,
                session_id,
                product_id,
                quantity,
                size=size,
                color=color,
                recommendation_id=_shown_in(tracker).get("recommendation_id")
                or carts.shown_recommendation(session_id, product_id, engine=engine),
                conversation_id=session_id,
                request_key=request_key(tracker, "add"),
                engine=engine,
            )
        except Refused as refused:
            buttons = []
            if refused.reason == Refusal.OUT_OF_STOCK:
                buttons = [
                    {
                        "title": say("cart.button_similar"),
                        "payload": button_payload("similar_items", product_id=product_id),
                    }
                ]
            dispatcher.utter_message(text=refused.explanation, buttons=buttons)
            return focus
        events = [*focus, *_after_write(dispatcher, change)]
        if change.replayed:
            return events
        store.record(
            who, session_id, EventKind.ADD_TO_CART, [product_id],
            recommendation_id=change.line.recommendation_id if change.line else None,
        )  # fmt: skip
        return events + self.bought_together(dispatcher, tracker, change.cart)

    def bought_together(self, dispatcher: CollectingDispatcher, tracker: Tracker, cart: CartView) -> list:
        from actions.shopping import _browsing_state, _show_cards

        recommender = services.recommender.get()
        if recommender is None:
            return []
        try:
            together = recommender.bought_together(
                [line.product_id for line in cart.lines], k=BOUGHT_TOGETHER_SIZE
            )
        except LookupError:
            return []
        if not together:
            return []
        ids = _show_cards(
            dispatcher,
            say("cart.bought_together"),
            [(r.product_id, r.reason) for r in together],
            together[0].recommendation_id,
            tracker,
        )
        return [SlotSet("shown_products", ids), SlotSet("search_state", _browsing_state(ids))]


class ActionViewCart(Action):
    """ "What's in my cart?": a card per line and the subtotal. Reads only."""

    def name(self) -> str:
        return "action_view_cart"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        who, session_id = _who(tracker)
        return show_cart(dispatcher, carts.view_cart(who, session_id, engine=shop_engine()))


class ActionUpdateCartQuantity(Action):
    def name(self) -> str:
        return "action_update_cart_quantity"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        who, session_id = _who(tracker)
        engine = shop_engine()
        cart = carts.view_cart(who, session_id, engine=engine)
        if cart.is_empty:
            dispatcher.utter_message(text=say("cart.empty"))
            return []
        line = target_line(tracker, cart)
        if line is None:
            dispatcher.utter_message(text=say("cart.which_line"))
            return show_cart(dispatcher, cart)
        quantity: str | int | None = wanted_quantity(tracker) or relative_quantity(tracker, line.quantity)
        if quantity is None:
            limit = min(carts.MAX_LINE_QUANTITY, line.stock, 5)
            dispatcher.utter_message(
                text=say("cart.which_quantity", title=line.title),
                buttons=[
                    {
                        "title": str(n),
                        "payload": button_payload("update_cart_quantity", cart_line=line.line_id, quantity=n),
                    }
                    for n in range(1, limit + 1)
                ],
            )
            return []
        try:
            change = carts.set_quantity(
                who,
                session_id,
                line.line_id,
                quantity,
                conversation_id=session_id,
                request_key=request_key(tracker, "quantity"),
                engine=engine,
            )
        except Refused as refused:
            dispatcher.utter_message(text=refused.explanation)
            return []
        return _after_write(dispatcher, change)


class ActionRemoveFromCart(Action):
    def name(self) -> str:
        return "action_remove_from_cart"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        who, session_id = _who(tracker)
        engine = shop_engine()
        cart = carts.view_cart(who, session_id, engine=engine)
        if cart.is_empty:
            dispatcher.utter_message(text=say("cart.already_empty"))
            return []
        line = target_line(tracker, cart)
        if line is None:
            dispatcher.utter_message(text=say("cart.which_line"))
            return show_cart(dispatcher, cart)
        try:
            change = carts.remove_line(
                who,
                session_id,
                line.line_id,
                conversation_id=session_id,
                request_key=request_key(tracker, "remove"),
                engine=engine,
            )
        except Refused as refused:
            dispatcher.utter_message(text=refused.explanation)
            return []
        return _after_write(dispatcher, change)


class ActionEmptyCart(Action):
    def name(self) -> str:
        return "action_empty_cart"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        who, session_id = _who(tracker)
        change = carts.empty_cart(
            who,
            session_id,
            conversation_id=session_id,
            request_key=request_key(tracker, "empty"),
            engine=shop_engine(),
        )
        dispatcher.utter_message(text=change.message)
        return [SlotSet("cart_lines", [])]


# --- checkout -----------------------------------------------------------------------------


def _summary_or_reason(tracker: Tracker) -> checkout.CheckoutSummary | Refused:
    who, session_id = _who(tracker)
    if who.is_guest:
        return Refused(Refusal.LOGIN_REQUIRED, say("cart.guest_checkout", url=CHECKOUT_PATH))
    try:
        summary = checkout.checkout_summary(who, session_id, engine=shop_engine())
    except Refused as refused:
        return refused
    if summary.address is None:
        return Refused(Refusal.ADDRESS_REQUIRED, say("cart.no_address", url=CHECKOUT_PATH))
    return summary


class ValidateCheckoutForm(FormValidationAction):
    """The checkout asks one thing, "Shall I place it?", and only when it can place the order."""

    def name(self) -> str:
        return "validate_checkout_form"

    @polite
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        events = await super().run(dispatcher, tracker, domain)
        if tracker.get_slot("checkout_confirmed") is None and isinstance(
            _summary_or_reason(tracker), Refused
        ):
            # Nothing to confirm (a guest, an empty cart, no address): end the form at once;
            # action_place_order says why.
            return [*events, SlotSet("requested_slot", None)]
        return events


class ActionAskCheckoutConfirmed(Action):
    """The summary (lines, address, shipping, total) and the question; remembers its token."""

    def name(self) -> str:
        return "action_ask_checkout_confirmed"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        summary = _summary_or_reason(tracker)
        if isinstance(summary, Refused):
            dispatcher.utter_message(text=summary.explanation)
            return [SlotSet("checkout_token", None)]
        dispatcher.utter_message(
            text=summary.text(),
            buttons=[
                {"title": say("cart.button_place"), "payload": "/affirm"},
                {"title": say("cart.button_dont_place"), "payload": "/deny"},
            ],
        )
        return [SlotSet("checkout_token", summary.token)]


class ActionPlaceOrder(Action):
    """The checkout form's end: place the confirmed order (once), or say why not."""

    def name(self) -> str:
        return "action_place_order"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        reset = [SlotSet("checkout_confirmed", None), SlotSet("checkout_token", None)]
        confirmed, token = tracker.get_slot("checkout_confirmed"), tracker.get_slot("checkout_token")
        if confirmed is None or not token:
            summary = _summary_or_reason(tracker)
            text = summary.explanation if isinstance(summary, Refused) else say("cart.not_placed")
            dispatcher.utter_message(text=text)
            return reset
        if confirmed is False:
            dispatcher.utter_message(text=say("cart.not_placed"))
            return reset
        who, session_id = _who(tracker)
        try:
            placed = checkout.place_order(
                who, session_id, token, conversation_id=session_id, engine=shop_engine()
            )
        except Refused as refused:
            buttons = [{"title": say("cart.button_view"), "payload": "/view_cart"}]
            dispatcher.utter_message(text=refused.explanation, buttons=buttons)
            return reset
        dispatcher.utter_message(text=placed.message)
        return [*reset, SlotSet("cart_lines", [])]
