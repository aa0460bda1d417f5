"""Verified resolution: did the flow the shopper started reach its end in the shop's own data?

Vendors publish "resolution" rates that count every conversation the bot did not hand off. This
one is checkable: a conversation counts as resolved only when

1. the first task the shopper asked for (its *flow*, the first intent in `FLOW_EVIDENCE`) left
   its evidence: a write flow its row in the shop database (a cancellation in the order's
   history, an address change, a return, an order placed from this conversation), a read flow
   an answer from the shop's data (the order's status read from the database, a list of
   products shown, a product question answered, a policy answered);
2. nobody handed it to a person (no `action_handoff`, no support ticket for the conversation);
3. nobody came back about the same thing within 72 hours: no later conversation that started
   within 72 hours of its end about the same order (any sender, by order number) or the same
   product (the same sender).

A conversation whose 72 hours have not yet passed is *pending*, never counted as resolved yet.
Conversations with no task (greetings, small talk, only fallbacks) have no flow and are left
out of the rate.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from analytics.shop_activity import ADDRESS_CHANGED_NOTE, ShopActivity
from analytics.tracker import Conversation
from shop.models import EventKind, OrderStatus

RETURN_WINDOW = timedelta(hours=72)
#: Shop rows written a little after the last tracker event of the turn still belong to it.
_EVIDENCE_SLACK = timedelta(minutes=5)
HANDOFF_ACTION = "action_handoff"


class Verdict(enum.StrEnum):
    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"
    PENDING = "pending"
    NO_TASK = "no_task"


@dataclass(frozen=True, slots=True)
class Judged:
    conversation: Conversation
    flow: str | None
    evidence: bool
    handed_off: bool
    came_back: bool
    verdict: Verdict


def order_numbers(conversation: Conversation) -> set[int]:
    """The order numbers the conversation was about (the `order_number` slot's numeric values)."""
    numbers = set()
    for value in conversation.slot_values("order_number"):
        text = str(value).strip().lstrip("#")
        if text.isdigit():
            numbers.add(int(text))
    return numbers


def product_ids(conversation: Conversation) -> set[int]:
    """Products the shopper asked about or acted on (focus product, card buttons)."""
    ids = set()
    for value in conversation.slot_values("focus_product"):
        try:
            ids.add(int(float(value)))
        except (TypeError, ValueError):
            continue
    for turn in conversation.turns:
        for value in turn.entities.get("product_id", []):
            if str(value).isdigit():
                ids.add(int(value))
    return ids


Evidence = Callable[[Conversation, ShopActivity], bool]


def _window(conversation: Conversation) -> tuple[datetime, datetime]:
    return conversation.started_at - _EVIDENCE_SLACK, conversation.ended_at + _EVIDENCE_SLACK


def _order_history_has(conversation: Conversation, activity: ShopActivity, test: Callable) -> bool:  # type: ignore[type-arg]
    start, end = _window(conversation)
    return any(
        start <= at <= end and test(status, note)
        for number in order_numbers(conversation)
        for status, at, note in activity.order_history.get(number, [])
    )


def _cancelled(conversation: Conversation, activity: ShopActivity) -> bool:
    return _order_history_has(conversation, activity, lambda status, note: status == OrderStatus.CANCELLED)


def _address_changed(conversation: Conversation, activity: ShopActivity) -> bool:
    return _order_history_has(
        conversation, activity, lambda status, note: (note or "").startswith(ADDRESS_CHANGED_NOTE)
    )


def _returned(conversation: Conversation, activity: ShopActivity) -> bool:
    start, end = _window(conversation)
    return any(
        start <= at <= end
        for number in order_numbers(conversation)
        for at in activity.returns.get(number, [])
    )


def _answered_by(action: str) -> Evidence:
    """A read flow answered from the shop's data: its action ran and no refusal was set."""

    def evidence(conversation: Conversation, activity: ShopActivity) -> bool:
        return action in conversation.actions and not conversation.slot_values("order_refusal")

    return evidence


def _ran(action: str) -> Evidence:
    return lambda conversation, activity: action in conversation.actions


def _chat_event(*kinds: EventKind) -> Evidence:
    def evidence(conversation: Conversation, activity: ShopActivity) -> bool:
        start, end = _window(conversation)
        return any(e.kind in kinds for e in activity.events_of(conversation.sender_id, start, end))

    return evidence


def _ordered(conversation: Conversation, activity: ShopActivity) -> bool:
    start, end = _window(conversation)
    return any(start <= o.placed_at <= end for o in activity.orders_of(conversation.sender_id))


_LIST_SHOWN = _chat_event(EventKind.RECOMMENDATION_SHOWN)

#: Each task flow, by the intent that starts it, and the evidence that it reached its end.
FLOW_EVIDENCE: dict[str, Evidence] = {
    "order_status": _answered_by("action_order_status"),
    "refund_status": _answered_by("action_refund_status"),
    "cancel_order": _cancelled,
    "change_address": _address_changed,
    "return_item": _returned,
    "search_product": _LIST_SHOWN,
    "recommend": _LIST_SHOWN,
    "similar_items": _LIST_SHOWN,
    "gift_ideas": _LIST_SHOWN,
    "complementary_items": _LIST_SHOWN,
    "product_question": _chat_event(EventKind.VIEW),
    "add_to_cart": _chat_event(EventKind.ADD_TO_CART),
    "checkout": _ordered,
    "ask_policy": _ran("action_answer_policy"),
    "shipping_options": _ran("action_answer_policy"),
}


def flow_of(conversation: Conversation) -> str | None:
    for turn in conversation.turns:
        if turn.intent in FLOW_EVIDENCE:
            return turn.intent
    return None


def handed_off(conversation: Conversation, activity: ShopActivity) -> bool:
    return HANDOFF_ACTION in conversation.actions or conversation.sender_id in activity.ticket_conversations


def judge(
    conversations: Sequence[Conversation],
    activity: ShopActivity,
    *,
    now: datetime,
    later: Sequence[Conversation] = (),
) -> list[Judged]:
    """A verdict for each of `conversations`; `later` adds conversations after the window (for returns)."""
    everyone = sorted({id(c): c for c in [*conversations, *later]}.values(), key=lambda c: c.started_at)
    subjects = [(c, order_numbers(c), product_ids(c)) for c in everyone]
    judged = []
    for conversation in conversations:
        flow = flow_of(conversation)
        evidence = flow is not None and FLOW_EVIDENCE[flow](conversation, activity)
        handoff = handed_off(conversation, activity)
        orders, products = order_numbers(conversation), product_ids(conversation)
        deadline = conversation.ended_at + RETURN_WINDOW
        came_back = any(
            other is not conversation
            and conversation.ended_at < other.started_at <= deadline
            and (
                orders & other_orders
                or (other.sender_id == conversation.sender_id and products & other_products)
            )
            for other, other_orders, other_products in subjects
        )
        if flow is None:
            verdict = Verdict.NO_TASK
        elif not evidence or handoff or came_back:
            verdict = Verdict.UNRESOLVED
        elif now < deadline:
            verdict = Verdict.PENDING
        else:
            verdict = Verdict.RESOLVED
        judged.append(Judged(conversation, flow, evidence, handoff, came_back, verdict))
    return judged
