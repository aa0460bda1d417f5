"""Shopping advice: gift ideas with a budget, what else goes with a product, comparing products.

- `action_gift_ideas`: "a birthday present for my dad, he likes camping, max 100 dollars" is a
  search for what the person likes ("camping") within the budget; with no interest named, the
  recommender's popular picks within the budget.
- `action_complementary_items`: "i just bought a laptop, what else do i need?" finds the product
  (the card referred to, or a search for the named one) and shows what is bought with it.
- `action_compare_products`: "compare the first two", "the summitline or the trailhead" side by
  side (price, rating, stock) from the cards on screen; asks when it is not clear which.
The texts are in data/texts/advice.yml. Nothing is written except the usual interaction events.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services, store
from actions.context import entity_values, latest_text_is_button, requester, user_text
from actions.references import pick, position
from actions.safety import polite
from actions.shopping import PAGE_SIZE, SEARCH_UNAVAILABLE, _show_cards, referenced_product
from shop.models import Product
from shop.money import format_money
from shop.texts import say

#: Words of a gift request that say nothing about what to search for.
_GIFT_WORDS = re.compile(
    r"\b(i\s*(?:'m|am)?\s*(?:need|want|looking for|look for|searching)|help me (?:find|choose|pick)|"
    r"what (?:can|should|could|would) i (?:get|buy|give)|what to (?:buy|get)|ideas?|suggest\w*|"
    r"recommend\w*|gifts?|presents?|presant|birth?day|christmas|xmas|anniversary|wedding|"
    r"housewarming|valentine'?s?|mother'?s|father'?s|day|secret santa|stocking stuffers?|"
    r"for|my|our|a|an|the|some|something|him|her|them|he|she|they|is|are|who|whos|and|but|"
    r"please|pls|thanks?|dad|father|mum|mom|mother|brother|sister|son|daughter|wife|husband|"
    r"boyfriend|girlfriend|gf|bf|friend|best|boss|colleague|coworkers?|grandpa|grandma|uncle|"
    r"aunt|niece|nephew|kid|teenager|parents?|in-laws|under|over|below|max|around|less than|up to|"
    r"\d+ years? old|year old|turns \d+|"
    r"likes?|loves?|enjoys?|really|into|fan of|a lot|budget|nothing too expensive|next week)\b",
    re.I,
)
_INTEREST = re.compile(
    r"\b(?:likes?|loves?|enjoys?|is into|into|fan of|plays|obsessed with|keen on)\s+(?:the\s+)?"
    r"([a-z][a-z \-]{1,40}?)(?=[,.!?;]|\s+(?:but|max|under|budget|around|up to|less|no more)\b|$)",
    re.I,
)
_FIRST_N = re.compile(r"\b(?:first|top)\s+(two|three|2|3)\b|\b(both|these two|the two|them both)\b", re.I)
_AMOUNT = re.compile(r"[$€£]?\d+(?:[.,]\d+)?\s*(?:dollars|usd|euros?|pounds|bucks)?", re.I)
_COUNT = {"two": 2, "three": 3, "2": 2, "3": 3}


def gift_subject(text: str) -> str:
    """What a gift search looks for: the person's interests, else the words that are left."""
    interests = [m.group(1).strip() for m in _INTEREST.finditer(text)]
    if interests:
        return " ".join(interests)
    rest = _GIFT_WORDS.sub(" ", _AMOUNT.sub(" ", text))
    return " ".join(re.sub(r"[^\w\s-]", " ", rest).split())


def _limits(constraints: Any) -> str:
    words = constraints.describe() if hasattr(constraints, "describe") else ""
    return f" ({words})" if words else ""


class ActionGiftIdeas(Action):
    def name(self) -> str:
        return "action_gift_ideas"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        from recommender.types import RecommendationFilters
        from search.session import SearchSession

        search = services.product_search.get()
        if search is None:
            dispatcher.utter_message(text=SEARCH_UNAVAILABLE)
            return []
        text = "" if latest_text_is_button(tracker) else user_text(tracker)
        if not text:
            dispatcher.utter_message(text=say("advice.gift_ask"))
            return []
        constraints = search.parse(text).constraints
        subject = gift_subject(text)
        who = requester(tracker)
        events: list[Any] = []
        ids: list[int] = []
        if subject:
            session = SearchSession()
            price = "" if constraints.max_price is None else f" under {constraints.max_price}"
            result = search.search(
                f"{subject}{price}", k=PAGE_SIZE, customer_id=who.customer_id, session=session
            )
            intro = say("advice.gift_intro", subject=subject, limits=_limits(result.constraints))
            ids = _show_cards(dispatcher, intro, [(h.product_id, None) for h in result.hits], tracker=tracker)
            events.append(SlotSet("search_state", session.to_dict()))
        recommender = services.recommender.get()
        if not ids and recommender is not None:
            filters = RecommendationFilters(min_price=constraints.min_price, max_price=constraints.max_price)
            items = recommender.recommend(who.customer_id, k=PAGE_SIZE, filters=filters)
            intro = say("advice.gift_popular_intro", limits=_limits(constraints))
            list_id = items[0].recommendation_id if items else None
            ids = _show_cards(dispatcher, intro, [(r.product_id, r.reason) for r in items], list_id, tracker)
        if not ids:
            dispatcher.utter_message(text=say("advice.gift_none", limits=_limits(constraints)))
            return events
        return [*events, SlotSet("shown_products", ids), SlotSet("focus_product", None)]


def _named_product(tracker: Tracker, customer_id: int | None) -> int | None:
    """The top search hit for the product the message names ("i just bought a laptop")."""
    names = entity_values(tracker, "product") + entity_values(tracker, "category")
    search = services.product_search.get()
    if not names or search is None:
        return None
    brands = entity_values(tracker, "brand")
    hits = search.search(" ".join([*brands, names[0]]), k=1, customer_id=customer_id).hits
    return hits[0].product_id if hits else None


class ActionComplementaryItems(Action):
    def name(self) -> str:
        return "action_complementary_items"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        who = requester(tracker)
        anchor = _named_product(tracker, who.customer_id) or referenced_product(tracker)
        if anchor is None:
            cart = tracker.get_slot("cart") or []
            anchor = int(cart[-1]["product_id"]) if cart else None
        if anchor is None:
            dispatcher.utter_message(text=say("advice.together_ask"))
            return []
        product = store.active_products([anchor]).get(anchor)
        recommender = services.recommender.get()
        if product is None or recommender is None:
            dispatcher.utter_message(text=say("advice.together_ask"))
            return []
        try:
            items = recommender.bought_together(anchor, k=PAGE_SIZE)
        except LookupError:
            items = []
        intro = say("advice.together_intro", title=product.title)
        list_id = items[0].recommendation_id if items else None
        ids = _show_cards(dispatcher, intro, [(r.product_id, r.reason) for r in items], list_id, tracker)
        if not ids:
            dispatcher.utter_message(text=say("advice.together_none", title=product.title))
            return [SlotSet("focus_product", float(anchor))]
        return [SlotSet("shown_products", ids), SlotSet("focus_product", float(anchor))]


def compared_positions(tracker: Tracker, shown: list[int]) -> list[int]:
    """Products on screen the message names: positions ("the first and the third", "the first
    two") and brands or title words ("the summitline or the trailhead")."""
    chosen: list[int] = []
    for value in entity_values(tracker, "ordinal"):
        product = pick(shown, position(value))
        if product is not None and product not in chosen:
            chosen.append(product)
    text = user_text(tracker)
    first_n = _FIRST_N.search(text)
    if not chosen and first_n:
        count = _COUNT.get((first_n.group(1) or "").lower(), 2)
        chosen = shown[:count]
    if len(chosen) < 2:
        names = [n.lower() for n in entity_values(tracker, "brand")]
        products = store.active_products(shown)
        for name in names:
            matching = [
                p
                for p in shown
                if p in products and name in f"{products[p].brand} {products[p].title}".lower()
            ]
            if len(matching) == 1 and matching[0] not in chosen:
                chosen.append(matching[0])
    return chosen


def comparison(products: list[Product]) -> str:
    rows = []
    for number, product in enumerate(products, start=1):
        if product.rating is not None and product.rating_count:
            rating = say("advice.compare_rating", rating=product.rating, count=product.rating_count)
        else:
            rating = say("advice.compare_unrated")
        stock = say("advice.compare_in_stock" if product.stock > 0 else "advice.compare_sold_out")
        price = format_money(product.price, product.currency)
        rows.append(
            say("advice.compare_row", position=number, title=product.title, brand=product.brand, price=price,
                rating=rating, stock=stock)
        )  # fmt: skip
    cheapest = min(products, key=lambda p: p.price)
    dearest = max(products, key=lambda p: p.price)
    if cheapest.price == dearest.price:
        rows.append(say("advice.compare_same_price"))
    else:
        difference = format_money(dearest.price - cheapest.price, cheapest.currency)
        rows.append(say("advice.compare_cheaper", title=cheapest.title, difference=difference))
    rated = [p for p in products if p.rating is not None and p.rating_count]
    if len(rated) >= 2:
        best = max(rated, key=lambda p: p.rating)
        if sum(1 for p in rated if p.rating == best.rating) == 1:
            rows.append(say("advice.compare_better_rated", title=best.title))
    rows.append(say("advice.compare_follow_up"))
    return "\n".join(rows)


class ActionCompareProducts(Action):
    def name(self) -> str:
        return "action_compare_products"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        shown = [int(p) for p in tracker.get_slot("shown_products") or []]
        chosen = compared_positions(tracker, shown)
        if len(chosen) < 2 and len(shown) == 2:
            chosen = shown
        if len(chosen) < 2:
            if len(chosen) == 1:
                title = store.active_products(chosen)[chosen[0]].title
                dispatcher.utter_message(text=say("advice.compare_need_two", title=title))
            elif len(shown) > 2:
                dispatcher.utter_message(text=say("advice.compare_which", count=len(shown)))
            else:
                dispatcher.utter_message(text=say("advice.compare_ask"))
            return []
        products = store.active_products(chosen)
        ordered = [products[p] for p in chosen if p in products]
        if len(ordered) < 2:
            dispatcher.utter_message(text=say("advice.compare_ask"))
            return []
        dispatcher.utter_message(text=comparison(ordered))
        return [SlotSet("focus_product", None)]
