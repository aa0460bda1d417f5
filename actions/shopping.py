"""Shopping actions: search with refinements, product questions, recommendations, similar items.

The products on screen are remembered in `shown_products` (the last cards, in order), so "the
second one", "it" and the card buttons all resolve against what the shopper actually sees.
The search state (`search.SearchSession`) lives in the `search_state` slot as plain JSON, so any
action server can continue any conversation.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services, store
from actions.cards import button_payload, product_cards, shown_ids
from actions.context import entity_values, latest_text_is_button, requester, user_text
from actions.references import pick, position
from actions.safety import polite
from recommender.feedback import new_list_id
from shop.models import EventKind
from shop.texts import say

#: Cards per page of results.
PAGE_SIZE = 5

SEARCH_UNAVAILABLE = say("shopping.search_unavailable")
ASK_WHAT = say("shopping.ask_what")

#: The intro of a follow-up's results ("more", "cheaper", ...): the text `shopping.<follow-up>`.
_FOLLOW_UPS = frozenset({"more", "cheaper", "pricier", "similar", "refine"})


def _shown(tracker: Tracker) -> list[int]:
    return [int(p) for p in tracker.get_slot("shown_products") or []]


def referenced_product(tracker: Tracker) -> int | None:
    """The product the shopper means: a card button, "the second one", or the one in focus."""
    for value in entity_values(tracker, "product_id"):
        if str(value).isdigit():
            return int(value)
    shown = _shown(tracker)
    for value in entity_values(tracker, "ordinal"):
        chosen = pick(shown, position(value))
        if chosen is not None:
            return chosen
    chosen = pick(shown, position(user_text(tracker))) if not latest_text_is_button(tracker) else None
    if chosen is not None:
        return chosen
    focus = tracker.get_slot("focus_product")
    if focus is not None:
        return int(focus)
    return shown[0] if len(shown) == 1 else None


def _show_cards(
    dispatcher: CollectingDispatcher,
    intro: str,
    items: Sequence[tuple[int, str | None]],
    list_id: str | None = None,
    tracker: Tracker | None = None,
) -> list[int]:
    """Show `items` as cards of the list `list_id` (their buttons carry it). With `tracker`,
    the list is also recorded as an impression (a fresh id when the list has none)."""
    if tracker is not None:
        list_id = list_id or new_list_id()
    message = product_cards(items, list_id)
    ids = shown_ids(message)
    if ids:
        dispatcher.utter_message(text=intro)
        dispatcher.utter_message(json_message=message)
        if tracker is not None:
            store.record(
                requester(tracker), tracker.sender_id, EventKind.RECOMMENDATION_SHOWN, ids,
                recommendation_id=list_id,
            )  # fmt: skip
    return ids


class ActionSearchProducts(Action):
    """A new search, or a refinement of the current one ("cheaper", "in blue", "show more")."""

    def name(self) -> str:
        return "action_search_products"

    def query_text(self, tracker: Tracker) -> str:
        return user_text(tracker)

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        from search.session import SearchSession

        search = services.product_search.get()
        if search is None:
            dispatcher.utter_message(text=SEARCH_UNAVAILABLE)
            return []
        session = SearchSession.from_dict(tracker.get_slot("search_state"))
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        text = self.query_text(tracker)
        if intent in {"refine_search", "show_more"} and not session.active:
            dispatcher.utter_message(text=ASK_WHAT)
            return []
        if not text or (latest_text_is_button(tracker) and intent == "search_product"):
            dispatcher.utter_message(text=ASK_WHAT)
            return []
        who = requester(tracker)
        result = search.search(text, k=PAGE_SIZE, customer_id=who.customer_id, session=session)
        state = [SlotSet("search_state", session.to_dict())]
        # The search names the list it showed; one without impressions found nothing.
        list_id = new_list_id()
        store.record(
            who, tracker.sender_id, EventKind.SEARCH, [None], query=text[:500], recommendation_id=list_id
        )
        if not result.hits:
            if result.follow_up:
                dispatcher.utter_message(text=say("shopping.nothing_more"))
            else:
                dispatcher.utter_message(text=say("shopping.nothing_found", text=text))
            return state
        if result.follow_up:
            known = result.follow_up in _FOLLOW_UPS
            intro = say(f"shopping.{result.follow_up}" if known else "shopping.follow_up")
        else:
            subject = result.corrected or result.remainder or text
            intro = say("shopping.found_for", subject=subject)
            filters = result.constraints.describe()
            intro += f" ({filters}):" if filters else ":"
        if result.total > len(result.hits):
            intro += say("shopping.more_or_narrow")
        ids = _show_cards(dispatcher, intro, [(h.product_id, None) for h in result.hits], list_id, tracker)
        return [*state, SlotSet("shown_products", ids), SlotSet("focus_product", None)]


class ActionShowMore(ActionSearchProducts):
    def name(self) -> str:
        return "action_show_more"

    def query_text(self, tracker: Tracker) -> str:
        return "show more"


class ActionProductQuestion(Action):
    """Answer a question about a product on screen, from its data; "I don't know" beats a guess."""

    def name(self) -> str:
        return "action_product_question"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        from search.qa import answer_product_question

        product_id = referenced_product(tracker)
        if product_id is None:
            if _shown(tracker):
                dispatcher.utter_message(text=say("shopping.which_product"))
            else:
                dispatcher.utter_message(text=say("shopping.find_it_first", ask_what=ASK_WHAT))
            return []
        product = store.active_products([product_id]).get(product_id)
        if product is None:
            dispatcher.utter_message(text=say("shopping.not_available"))
            return [SlotSet("focus_product", None)]
        search = services.product_search.get()
        answer = answer_product_question(
            product, user_text(tracker), embedder=getattr(search, "embedder", None)
        )
        text = f"{product.title}: {answer.text}"
        buttons = [
            {"title": "Add to cart", "payload": button_payload("add_to_cart", product_id=product.id)},
            {"title": "More like this", "payload": button_payload("similar_items", product_id=product.id)},
        ]
        if not answer.confident:
            buttons.append({"title": "Ask a person", "payload": "/request_human"})
        dispatcher.utter_message(text=text, buttons=buttons)
        store.record(requester(tracker), tracker.sender_id, EventKind.VIEW, [product.id])
        return [SlotSet("focus_product", float(product.id))]


def _price_limits(text: str) -> tuple[Decimal | None, Decimal | None]:
    search = services.product_search.get()
    if search is None or not text:
        return None, None
    constraints = search.parse(text).constraints
    return constraints.min_price, constraints.max_price


class ActionRecommend(Action):
    def name(self) -> str:
        return "action_recommend"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        from recommender.types import RecommendationFilters

        recommender = services.recommender.get()
        if recommender is None:
            dispatcher.utter_message(text=say("shopping.suggestions_unavailable", ask_what=ASK_WHAT))
            return []
        who = requester(tracker)
        text = "" if latest_text_is_button(tracker) else user_text(tracker)
        min_price, max_price = _price_limits(text)
        category = next(iter(entity_values(tracker, "category") + entity_values(tracker, "product")), None)
        cart_ids = [int(line["product_id"]) for line in tracker.get_slot("cart") or []]
        focus = tracker.get_slot("focus_product")
        context_ids = [*cart_ids, *([int(focus)] if focus is not None else []), *_shown(tracker)[:3]]
        filters = RecommendationFilters(
            category=category,
            min_price=min_price,
            max_price=max_price,
            exclude_product_ids=frozenset(cart_ids),
        )
        items = recommender.recommend(
            who.customer_id, k=PAGE_SIZE, filters=filters, session_product_ids=context_ids
        )
        if not items and category:
            # "Recommend a kettle" when the category name doesn't match the catalog's: drop it.
            filters = RecommendationFilters(min_price=min_price, max_price=max_price)
            items = recommender.recommend(
                who.customer_id, k=PAGE_SIZE, filters=filters, session_product_ids=context_ids
            )
        if not items:
            dispatcher.utter_message(text=say("shopping.no_suggestions", ask_what=ASK_WHAT))
            return []
        intro = say("shopping.picks_for_you" if not who.is_guest else "shopping.popular_picks")
        ids = _show_cards(
            dispatcher, intro, [(r.product_id, r.reason) for r in items], items[0].recommendation_id, tracker
        )
        return [
            SlotSet("shown_products", ids),
            SlotSet("focus_product", None),
            SlotSet("search_state", _browsing_state(ids)),
        ]


def _browsing_state(ids: list[int], similar_to: int | None = None) -> dict[str, Any]:
    """A search state for cards that didn't come from a search, so "cheaper" still works on them."""
    from search.session import SearchSession

    session = SearchSession(similar_to=similar_to)
    session.record(ids)
    return session.to_dict()


class ActionSimilarItems(Action):
    def name(self) -> str:
        return "action_similar_items"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        product_id = referenced_product(tracker)
        if product_id is None:
            dispatcher.utter_message(text=say("shopping.similar_to_which"))
            return []
        recommender = services.recommender.get()
        items: list[tuple[int, str | None]] = []
        recommendation_id = None
        if recommender is not None:
            try:
                found = recommender.similar(product_id, k=PAGE_SIZE)
            except LookupError:
                found = []
            items = [(r.product_id, r.reason) for r in found]
            recommendation_id = found[0].recommendation_id if found else None
        if not items:
            search = services.product_search.get()
            if search is not None:
                items = [(h.product_id, None) for h in search.similar(product_id, k=PAGE_SIZE)]
        if not items:
            dispatcher.utter_message(text=say("shopping.nothing_similar"))
            return []
        who = requester(tracker)
        # The click names the list its button came from (else the list it was last shown in).
        clicked_in = next(iter(entity_values(tracker, "recommendation_id")), None)
        store.record(who, tracker.sender_id, EventKind.CLICK, [product_id], recommendation_id=clicked_in)
        ids = _show_cards(dispatcher, say("shopping.similar"), items, recommendation_id, tracker)
        return [
            SlotSet("shown_products", ids),
            SlotSet("focus_product", float(product_id)),
            SlotSet("search_state", _browsing_state(ids, similar_to=product_id)),
        ]
