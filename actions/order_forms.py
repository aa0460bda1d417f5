"""Forms that identify an order (and collect what a write needs): validation and questions.

Five forms share the first two slots: `order_number` and, for a guest, `order_email` (a
logged-in shopper's identity comes from the signed metadata, so they are never asked). The
lookup rules are `shop.orders`': a wrong number and a wrong email get the same neutral answer,
lookups are rate-limited per sender, and after `MAX_LOOKUP_FAILURES` misses the form ends with
an offer of a human.

When the shop refuses the flow for the order (cancel after shipment, return outside the
window...), validation explains why and records the refusal in `order_refusal`; the form then
ends at once (`required_slots` returns nothing) and the form's submit action tidies up.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.address_text import parse_address
from actions.cards import button_payload
from actions.context import entity_values, requester, shop_engine
from actions.references import best_title_match, pick, position
from actions.safety import polite
from shop.addresses import InvalidAddress, validate_address
from shop.identity import Requester
from shop.money import format_money
from shop.orders import (
    check_address_change,
    check_cancel,
    find_order,
    parse_order_number,
    recent_orders,
)
from shop.ratelimit import check_order_lookup
from shop.refusals import Refusal, Refused
from shop.returns import LineEligibility, ReturnOptions, parse_rma_number, return_options

#: Wrong order number/email combinations in one flow before the form gives up and offers a human.
MAX_LOOKUP_FAILURES = 3
#: How many recent orders a logged-in shopper is offered as buttons.
RECENT_ORDER_CHOICES = 5
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")

#: What each form is about, for the questions it asks ("Which order would you like to cancel?").
FLOW_WORDS = {
    "order_status_form": ("your order", "Which order should I look up?"),
    "cancel_order_form": ("cancelling your order", "Which order would you like to cancel?"),
    "change_address_form": ("changing the address", "Which order's address should I change?"),
    "return_form": ("your return", "Which order is the item from?"),
    "refund_status_form": ("your refund", "Which order is the return for?"),
}
#: Refusals that are about who may see the order rather than about the flow.
LOOKUP_REFUSALS = {Refusal.NOT_FOUND, Refusal.RETURN_NOT_FOUND, Refusal.EMAIL_REQUIRED}

#: Slots answered in free text, where a number is part of the answer, not an order number.
FREE_TEXT_SLOTS = frozenset({"new_address", "return_reason"})

YES_NO_BUTTONS = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


# --- slot helpers shared with the submit actions -------------------------------------------------


def refusal_of(tracker: Tracker, form: str) -> str | None:
    """The refusal recorded for `form` in this run of it, if any ("cancel_order_form:already_shipped")."""
    value = tracker.get_slot("order_refusal")
    if not value or not str(value).startswith(f"{form}:"):
        return None
    return str(value).split(":", 1)[1]


def confirmed_in_this_form(tracker: Tracker, form: str) -> bool | None:
    """The shopper's yes/no to this form's confirmation question, never a stale earlier answer."""
    answer: bool | None = None
    for event in tracker.events:
        if event.get("event") == "active_loop" and event.get("name") == form:
            answer = None
        elif event.get("event") == "slot" and event.get("name") == "confirmation":
            answer = event.get("value")
    return answer


def value_before_latest_message(tracker: Tracker, slot: str) -> Any:
    """The slot's value just before the shopper's latest message was processed."""
    value = None
    events = tracker.events
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=len(events))
    for event in events[:last_user]:
        if event.get("event") == "slot" and event.get("name") == slot:
            value = event.get("value")
    return value


def order_number_slot(tracker: Tracker) -> str | None:
    value = tracker.get_slot("order_number")
    return str(value) if value not in (None, "") else None


def rma_order_number(rma: str | None) -> int | None:
    """The order number inside an RMA number ("RMA-100239-1" -> 100239)."""
    canonical = parse_rma_number(rma) if rma else None
    return int(canonical.split("-")[1]) if canonical else None


def return_line_id(tracker: Tracker) -> int | None:
    """The order line chosen for the return, if it belongs to the current order."""
    value = tracker.get_slot("return_item")
    number = order_number_slot(tracker)
    if not value or not number or ":" not in str(value):
        return None
    order_part, _, line_part = str(value).partition(":")
    return int(line_part) if order_part == number and line_part.isdigit() else None


def current_return_options(tracker: Tracker, number: int | str) -> ReturnOptions:
    """Which lines of the order in the slots can be returned (the order was verified earlier)."""
    return return_options(requester(tracker), number, tracker.get_slot("order_email"), engine=shop_engine())


def offer_handoff_buttons() -> list[dict[str, str]]:
    return [
        {"title": "Talk to a person", "payload": "/request_human"},
        {"title": "No, thanks", "payload": "/deny"},
    ]


# --- validation -------------------------------------------------------------------------------------


class OrderFormValidation(FormValidationAction):
    """Shared validation of `order_number` and `order_email`; subclasses add their flow's check."""

    form = ""

    def name(self) -> str:
        return f"validate_{self.form}"

    @polite
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        return await super().run(dispatcher, tracker, domain)

    # Subclasses: raise `Refused` when the flow is impossible for this (visible) order.
    def check_order(self, who: Requester, number: int, email: str | None) -> None:
        find_order(who, number, email, engine=shop_engine())

    # Subclasses: extra slots to set once the order is verified (e.g. the item named earlier).
    def after_verified(self, tracker: Tracker, who: Requester, number: int, email: str | None) -> dict:
        return {}

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if refusal_of(tracker, self.form):
            return []
        slots = list(domain_slots)
        if not requester(tracker).is_guest and "order_email" in slots:
            slots.remove("order_email")
        return slots

    def validate_order_number(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        before = value_before_latest_message(tracker, "order_number")
        if before and tracker.get_slot("requested_slot") in FREE_TEXT_SLOTS:
            # A number inside a free-text answer (a postcode in an address, say) is not a new
            # order: the order stays the one already verified.
            return {"order_number": before}
        who = requester(tracker)
        raw = str(slot_value or "").strip()
        if raw == "latest":
            if who.is_guest:
                dispatcher.utter_message(
                    text="I can only see your latest order when you're logged in. "
                    "What's the order number? It's in your order confirmation email."
                )
                return {"order_number": None}
            latest = recent_orders(who, limit=1, engine=shop_engine())
            if not latest:
                dispatcher.utter_message(text="I don't see any orders in your account yet.")
                return {"order_number": None, "order_refusal": f"{self.form}:no_orders"}
            number = latest[0].number
        else:
            try:
                number = parse_order_number(raw)
            except Refused as refused:
                dispatcher.utter_message(text=refused.explanation)
                return {"order_number": None}
        email = tracker.get_slot("order_email")
        if who.is_guest and not email:
            # A guest's number is checked together with the email, so the answer can't reveal
            # whether the number exists.
            return {"order_number": str(number), **self._new_order_resets(tracker, number)}
        return self._verify(dispatcher, tracker, who, number, email)

    def validate_order_email(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        email = str(slot_value or "").strip()
        if not EMAIL_PATTERN.fullmatch(email):
            dispatcher.utter_message(text="That doesn't look like an email address. Could you type it again?")
            return {"order_email": None}
        who = requester(tracker)
        number = self.number_to_check(tracker)
        if number is None or not who.is_guest:
            return {"order_email": email}
        return self._verify(dispatcher, tracker, who, number, email)

    def number_to_check(self, tracker: Tracker) -> int | None:
        number = order_number_slot(tracker)
        return int(number) if number and number.isdigit() else None

    def _new_order_resets(self, tracker: Tracker, number: int) -> dict[str, Any]:
        """A different order than before: forget what was chosen for the previous one."""
        if order_number_slot(tracker) == str(number) and tracker.get_slot("return_item") is not None:
            return {}
        return {"return_item": None, "confirmation": None}

    def _verify(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        who: Requester,
        number: int,
        email: str | None,
    ) -> dict[str, Any]:
        try:
            check_order_lookup(tracker.sender_id)
            self.check_order(who, number, email)
        except Refused as refused:
            dispatcher.utter_message(text=refused.explanation)
            if refused.reason in LOOKUP_REFUSALS:
                failures = int(tracker.get_slot("lookup_failures") or 0) + 1
                reset = {"order_number": None, "order_email": None if who.is_guest else email}
                if failures >= MAX_LOOKUP_FAILURES:
                    dispatcher.utter_message(
                        text="I still can't find it. Would you like me to pass this to a person?",
                        buttons=offer_handoff_buttons(),
                    )
                    return {**reset, "lookup_failures": 0, "order_refusal": f"{self.form}:not_found"}
                return {**reset, "lookup_failures": float(failures)}
            if refused.reason == Refusal.TOO_MANY_ATTEMPTS:
                return {"order_number": None, "order_refusal": f"{self.form}:{refused.reason.value}"}
            # The order is theirs, but this flow isn't possible for it (already shipped...).
            return {
                "order_number": str(number),
                "order_email": email,
                "order_refusal": f"{self.form}:{refused.reason.value}",
            }
        return {
            "order_number": str(number),
            "order_email": email,
            "lookup_failures": 0.0,
            **self._new_order_resets(tracker, number),
            **self.after_verified(tracker, who, number, email),
        }


class ValidateOrderStatusForm(OrderFormValidation):
    form = "order_status_form"


class ValidateCancelOrderForm(OrderFormValidation):
    form = "cancel_order_form"

    def check_order(self, who: Requester, number: int, email: str | None) -> None:
        check_cancel(who, number, email, engine=shop_engine())


class ValidateChangeAddressForm(OrderFormValidation):
    form = "change_address_form"

    def check_order(self, who: Requester, number: int, email: str | None) -> None:
        check_address_change(who, number, email, engine=shop_engine())

    def validate_new_address(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        fields = parse_address(str(slot_value or ""))
        if fields is None:
            dispatcher.utter_message(
                text="I couldn't read that as an address. Please write it in one line with commas: "
                "street and number, postcode and city, country - "
                'e.g. "12 Oak Street, 10115 Berlin, Germany".'
            )
            return {"new_address": None}
        try:
            address = validate_address(fields)
        except InvalidAddress as invalid:
            dispatcher.utter_message(text=f"{invalid.explanation} Could you send the full address again?")
            return {"new_address": None}
        return {"new_address": json.dumps(address.to_dict())}


class ValidateReturnForm(OrderFormValidation):
    form = "return_form"

    def check_order(self, who: Requester, number: int, email: str | None) -> None:
        refusal = return_options(who, number, email, engine=shop_engine()).refusal()
        if refusal is not None:
            raise refusal

    def after_verified(self, tracker: Tracker, who: Requester, number: int, email: str | None) -> dict:
        # "I want to return the sleeve from 100236": the item was named before the order was known.
        named = entity_values(tracker, "product")
        if not named or tracker.get_slot("return_item"):
            return {}
        options = return_options(who, number, email, engine=shop_engine())
        line = _line_from_text(" ".join(named), options)
        return {"return_item": f"{number}:{line.item.line_id}"} if line and line.eligible else {}

    def validate_return_item(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        number = self.number_to_check(tracker)
        if number is None:
            return {"return_item": None}
        options = current_return_options(tracker, number)
        value = str(slot_value or "")
        line = None
        if ":" in value and value.partition(":")[2].isdigit():
            line = options.line(int(value.partition(":")[2]))
        else:
            line = _line_from_text(value, options)
        if line is None:
            dispatcher.utter_message(
                text='Sorry, which item do you mean? Pick one of the buttons or say e.g. "the first one".'
            )
            return {"return_item": None}
        if not line.eligible:
            dispatcher.utter_message(text=line.explanation or "That item can't be returned.")
            return {"return_item": None}
        return {"return_item": f"{number}:{line.item.line_id}"}

    def validate_return_reason(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        reason = " ".join(str(slot_value or "").split())
        if len(reason) < 3 or reason.startswith("/"):
            dispatcher.utter_message(text="Could you tell me in a few words why you're returning it?")
            return {"return_reason": None}
        return {"return_reason": reason[:300]}


class ValidateRefundStatusForm(OrderFormValidation):
    form = "refund_status_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        # An RMA number names the order already.
        if rma_order_number(tracker.get_slot("rma_number")) is not None and "order_number" in slots:
            slots.remove("order_number")
        return slots

    def number_to_check(self, tracker: Tracker) -> int | None:
        return rma_order_number(tracker.get_slot("rma_number")) or super().number_to_check(tracker)


def _line_from_text(text: str, options: ReturnOptions) -> LineEligibility | None:
    lines = list(options.lines)
    pos = position(text)
    if pos is not None:
        index = pick(list(range(len(lines))), pos)
        return lines[index] if index is not None else None
    match = best_title_match(text, [line.item.title for line in lines])
    return lines[match] if match is not None else None


# --- the questions the forms ask ---------------------------------------------------------------------


def _resuming_prefix(tracker: Tracker) -> str:
    """ "Back to your return: " when the form is picking up again after a side question."""
    form = (tracker.active_loop or {}).get("name")
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "action_execution_rejected" and event.get("name") == form:
            return f"Back to {FLOW_WORDS.get(form, ('it',))[0]}: "
    return ""


class ActionAskOrderNumber(Action):
    def name(self) -> str:
        return "action_ask_order_number"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        form = (tracker.active_loop or {}).get("name", "order_status_form")
        question = FLOW_WORDS.get(form, FLOW_WORDS["order_status_form"])[1]
        prefix = _resuming_prefix(tracker)
        who = requester(tracker)
        if not who.is_guest:
            orders = recent_orders(who, limit=RECENT_ORDER_CHOICES, engine=shop_engine())
            if orders:
                dispatcher.utter_message(
                    text=f"{prefix}{question} Here are your recent orders:",
                    buttons=[
                        {"title": o.label(), "payload": button_payload("inform", order_number=str(o.number))}
                        for o in orders
                    ],
                )
                return []
        dispatcher.utter_message(
            text=f"{prefix}{question} You'll find the order number in your confirmation email (e.g. 100234)."
        )
        return []


class ActionAskOrderEmail(Action):
    def name(self) -> str:
        return "action_ask_order_email"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        dispatcher.utter_message(
            text=f"{_resuming_prefix(tracker)}To make sure it's your order: "
            "what email address did you use when you placed it?"
        )
        return []


class ActionAskNewAddress(Action):
    def name(self) -> str:
        return "action_ask_new_address"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        dispatcher.utter_message(
            text=f"{_resuming_prefix(tracker)}What's the new delivery address? Please write it in one line: "
            "street and number, postcode and city, country."
        )
        return []


class ActionAskReturnItem(Action):
    def name(self) -> str:
        return "action_ask_return_item"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        number = order_number_slot(tracker)
        if number is None:
            return []
        options = current_return_options(tracker, number)
        line_currency = options.order.currency
        buttons = [
            {
                "title": f"{line.item.label()} - {format_money(line.item.unit_price, line_currency)}",
                "payload": button_payload("inform", line_id=f"{number}:{line.item.line_id}"),
            }
            for line in options.eligible_lines
        ]
        notes = [f"({line.explanation})" for line in options.lines if not line.eligible and line.explanation]
        text = f"{_resuming_prefix(tracker)}Which item from order {number} would you like to return?"
        if options.window_ends:
            text += f" You can return items until {options.window_ends:%d %B %Y}."
        if notes:
            text += "\n" + "\n".join(notes)
        dispatcher.utter_message(text=text, buttons=buttons)
        return []


class ActionAskReturnReason(Action):
    def name(self) -> str:
        return "action_ask_return_reason"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        dispatcher.utter_message(
            text=f"{_resuming_prefix(tracker)}What's the reason for the return? "
            "(e.g. too small, arrived damaged, not as described)",
            buttons=[
                {"title": "Doesn't fit", "payload": button_payload("inform", reason="doesn't fit")},
                {"title": "Arrived damaged", "payload": button_payload("inform", reason="arrived damaged")},
                {"title": "Changed my mind", "payload": button_payload("inform", reason="changed my mind")},
            ],
        )
        return []


class ActionAskConfirmation(Action):
    """The last question before a write: exactly what will happen, yes or no."""

    def name(self) -> str:
        return "action_ask_confirmation"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        form = (tracker.active_loop or {}).get("name")
        who = requester(tracker)
        number = order_number_slot(tracker)
        email = tracker.get_slot("order_email")
        prefix = _resuming_prefix(tracker)
        try:
            if form == "cancel_order_form":
                view = check_cancel(who, number, email, engine=shop_engine())
                items = ", ".join(item.label() for item in view.items)
                text = (
                    f"{prefix}Order {view.number} ({items}; {format_money(view.total, view.currency)}) "
                    "will be cancelled. Shall I go ahead?"
                )
            elif form == "change_address_form":
                view = check_address_change(who, number, email, engine=shop_engine())
                new = validate_address(json.loads(tracker.get_slot("new_address")))
                text = (
                    f"{prefix}Order {view.number} will be shipped to {new.one_line()} "
                    f"instead of {view.shipping_address.one_line()}. Shall I change it?"
                )
            elif form == "return_form":
                text = prefix + _return_summary(tracker, who, number, email)
            else:
                text = f"{prefix}Shall I go ahead?"
        except Refused as refused:
            text = f"{refused.explanation} Shall I still try?"
        dispatcher.utter_message(text=text, buttons=YES_NO_BUTTONS)
        return []


def _return_summary(tracker: Tracker, who: Requester, number: str | None, email: str | None) -> str:
    options = return_options(who, number, email, engine=shop_engine())
    line_id = return_line_id(tracker)
    line = options.line(line_id) if line_id is not None else None
    if line is None:
        return "Shall I register the return?"
    reason = tracker.get_slot("return_reason")
    if is_exchange(tracker):
        return (
            f"I'll register an exchange of {line.item.label()} from order {number} "
            f'(reason: "{reason}"); we\'ll send the replacement when it arrives. Shall I go ahead?'
        )
    refund = line.item.unit_price * line.returnable_quantity
    return (
        f"I'll register a return of {line.returnable_quantity} × {line.item.title} from order {number} "
        f'(reason: "{reason}"). Your refund will be {format_money(refund, options.order.currency)}. '
        "Shall I go ahead?"
    )


def is_exchange(tracker: Tracker) -> bool:
    return str(tracker.get_slot("return_kind") or "").lower() == "exchange"
