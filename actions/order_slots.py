"""What the order forms keep in their slots, read back the same way by validation, questions and submits.

The order number enters the `order_number` slot once, in `validate_order_number`
(`actions.order_forms`), where `shop.orders.parse_order_number` turns what the shopper typed
("#100234", "order 100234", a button) into an int; the slot then holds that int's digits, and
`order_number` reads it back as an int for every later shop call. `return_item` holds
"<order number>:<order line id>", so a line chosen for one order is never used for another.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions import store
from actions.context import requester
from shop.returns import ReturnOptions, parse_rma_number


def order_number(tracker: Tracker) -> int | None:
    """The verified order number in the slot (None when the slot is empty)."""
    value = str(tracker.get_slot("order_number") or "")
    return int(value) if value.isdigit() else None


def order_number_slot_value(number: int) -> str:
    """What `validate_order_number` stores for a parsed number (the slot is a text slot)."""
    return str(number)


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


def rma_order_number(rma: str | None) -> int | None:
    """The order number inside an RMA number ("RMA-100239-1" -> 100239)."""
    canonical = parse_rma_number(rma) if rma else None
    return int(canonical.split("-")[1]) if canonical else None


def return_item_value(number: int, line_id: int) -> str:
    """The `return_item` slot's value for a line of an order."""
    return f"{number}:{line_id}"


def return_line_id(tracker: Tracker) -> int | None:
    """The order line chosen for the return, if it belongs to the current order."""
    value = tracker.get_slot("return_item")
    number = order_number(tracker)
    if not value or number is None or ":" not in str(value):
        return None
    order_part, _, line_part = str(value).partition(":")
    return int(line_part) if order_part == str(number) and line_part.isdigit() else None


def current_return_options(tracker: Tracker, number: int) -> ReturnOptions:
    """Which lines of the order in the slots can be returned (the order was verified earlier)."""
    return store.return_options(requester(tracker), number, tracker.get_slot("order_email"))


def is_exchange(tracker: Tracker) -> bool:
    return str(tracker.get_slot("return_kind") or "").lower() == "exchange"
