"""The owner's report: how many conversations, how many verifiably resolved, where it failed, what it sold.

    report = build_report(shop_engine, tracker_engine, days=7)
    report.to_dict()        # what `shopbot report --json` prints and the dashboard draws
    format_report(report)   # the plain-text table `shopbot report` prints

Every figure is a count the owner can check against the tracker store and the shop database;
rates are those counts divided, never estimates. Definitions:

- conversations: sessions with at least one shopper message (`analytics.tracker`), by the day
  (UTC) of their first message;
- verified resolution: `analytics.resolution`;
- handoff: `action_handoff` ran or a support ticket names the conversation; containment: the
  conversations without a handoff;
- fallback rate: shopper messages the bot did not understand (NLU fallback intent, or answered
  by a fallback action) over all shopper messages; the most frequent of them, masked with
  `shop.privacy.mask_pii`;
- intents: shopper messages per recognised intent;
- search: chat searches (SEARCH events naming their result list), those that showed nothing,
  and the most frequent queries that found nothing (masked);
- lists: click-through of every list shown in chat (`analytics.lists`);
- chat-assisted orders: orders placed from a chat conversation (`orders.source_conversation`)
  and their revenue per currency (cancelled ones excluded).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from analytics.lists import ListsReport, lists_report
from analytics.resolution import RETURN_WINDOW, Judged, Verdict, judge
from analytics.shop_activity import ShopActivity, load_activity
from analytics.tracker import Conversation, read_conversations
from shop.models import EventKind, OrderStatus, utcnow
from shop.privacy import mask_pii

FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTIONS = frozenset(
    {"action_default_fallback", "action_two_stage_fallback", "action_default_ask_affirmation",
     "action_default_ask_rephrase"}
)  # fmt: skip
#: How many not-understood messages and zero-result queries the report lists.
TOP = 10


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


@dataclass(frozen=True)
class Report:
    since: datetime | None
    until: datetime
    conversations: int
    conversations_per_day: dict[str, int]
    verdicts: dict[str, int]
    resolved_by_flow: dict[str, dict[str, int]]
    handoffs: int
    messages: int
    fallback_messages: int
    intents: dict[str, int]
    not_understood: list[tuple[str, int]]
    searches: int
    zero_result_searches: int
    top_zero_result_queries: list[tuple[str, int]]
    lists: ListsReport
    chat_orders: int
    chat_revenue: dict[str, Decimal]

    @property
    def resolution_rate(self) -> float:
        """Resolved over the conversations with a task whose verdict is in (pending left out)."""
        decided = self.verdicts[Verdict.RESOLVED] + self.verdicts[Verdict.UNRESOLVED]
        return _rate(self.verdicts[Verdict.RESOLVED], decided)

    @property
    def containment_rate(self) -> float:
        return _rate(self.conversations - self.handoffs, self.conversations)

    @property
    def handoff_rate(self) -> float:
        return _rate(self.handoffs, self.conversations)

    @property
    def fallback_rate(self) -> float:
        return _rate(self.fallback_messages, self.messages)

    @property
    def zero_result_rate(self) -> float:
        return _rate(self.zero_result_searches, self.searches)

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat(),
            "conversations": self.conversations,
            "conversations_per_day": self.conversations_per_day,
            "resolution": {
                **{str(k): v for k, v in self.verdicts.items()},
                "rate": self.resolution_rate,
                "by_flow": self.resolved_by_flow,
            },
            "containment": {"contained": self.conversations - self.handoffs, "rate": self.containment_rate},
            "handoff": {"count": self.handoffs, "rate": self.handoff_rate},
            "fallback": {
                "messages": self.messages,
                "fallbacks": self.fallback_messages,
                "rate": self.fallback_rate,
            },
            "intents": self.intents,
            "not_understood": [{"text": t, "count": n} for t, n in self.not_understood],
            "search": {
                "searches": self.searches,
                "zero_result": self.zero_result_searches,
                "zero_result_rate": self.zero_result_rate,
                "top_zero_result_queries": [
                    {"query": q, "count": n} for q, n in self.top_zero_result_queries
                ],
            },
            "lists": self.lists.to_dict(),
            "chat_orders": {
                "count": self.chat_orders,
                "revenue": {c: str(v) for c, v in self.chat_revenue.items()},
            },
        }


def is_fallback(turn: Any) -> bool:
    return turn.intent == FALLBACK_INTENT or any(action in FALLBACK_ACTIONS for action in turn.actions)


def build_report(
    shop_engine: Engine,
    tracker_engine: Engine,
    *,
    days: float | None = None,
    now: datetime | None = None,
) -> Report:
    """The report over the last `days` days before `now` (naive UTC; all history when None)."""
    now = now or utcnow()
    since = now - timedelta(days=days) if days is not None else None
    everything = read_conversations(tracker_engine, since=since)
    conversations = [c for c in everything if c.turns[0].at < now]
    start = min([c.started_at for c in conversations], default=since)
    activity = load_activity(shop_engine, since=start - timedelta(minutes=10) if start else None, until=None)
    return summarize(conversations, activity, since=since, now=now, later=everything)


def summarize(
    conversations: list[Conversation],
    activity: ShopActivity,
    *,
    since: datetime | None,
    now: datetime,
    later: list[Conversation] | None = None,
) -> Report:
    judged = judge(conversations, activity, now=now, later=later or conversations)
    verdicts = Counter(j.verdict for j in judged)
    turns = [turn for c in conversations for turn in c.turns]
    fallbacks = [turn for turn in turns if is_fallback(turn)]
    not_understood = Counter(
        mask_pii(" ".join(turn.text.split()).lower())
        for turn in fallbacks
        if turn.text and not turn.text.startswith("/")
    )
    window = [e for e in activity.events if since is None or e.at >= since]
    shown_lists = {e.recommendation_id for e in window if e.kind == EventKind.RECOMMENDATION_SHOWN}
    searches = [e for e in window if e.kind == EventKind.SEARCH and e.recommendation_id]
    zero = [e for e in searches if e.recommendation_id not in shown_lists]
    zero_queries = Counter(mask_pii(" ".join((e.query or "").split()).lower()) for e in zero)
    orders = [
        o for o in activity.orders
        if (since is None or o.placed_at >= since) and o.placed_at < now and o.status != OrderStatus.CANCELLED
    ]  # fmt: skip
    revenue: dict[str, Decimal] = {}
    for order in orders:
        revenue[order.currency] = revenue.get(order.currency, Decimal("0")) + order.total
    return Report(
        since=since,
        until=now,
        conversations=len(conversations),
        conversations_per_day=dict(sorted(Counter(c.day for c in conversations).items())),
        verdicts={v: verdicts.get(v, 0) for v in Verdict},
        resolved_by_flow=_by_flow(judged),
        handoffs=sum(1 for j in judged if j.handed_off),
        messages=len(turns),
        fallback_messages=len(fallbacks),
        intents=dict(Counter(t.intent for t in turns if t.intent).most_common()),
        not_understood=not_understood.most_common(TOP),
        searches=len(searches),
        zero_result_searches=len(zero),
        top_zero_result_queries=zero_queries.most_common(TOP),
        lists=lists_report(activity.events, bought=activity.bought_from_lists, shown_since=since),
        chat_orders=len(orders),
        chat_revenue=revenue,
    )


def _by_flow(judged: list[Judged]) -> dict[str, dict[str, int]]:
    flows: dict[str, dict[str, int]] = {}
    for item in judged:
        if item.flow is not None:
            counts = flows.setdefault(item.flow, {str(v): 0 for v in Verdict if v != Verdict.NO_TASK})
            counts[str(item.verdict)] += 1
    return dict(sorted(flows.items()))


def _row(label: str, value: object) -> str:
    return f"{label:<30}{value}"


def format_report(report: Report) -> str:
    """The report as plain text, one figure a line."""
    window = f"since {report.since:%Y-%m-%d %H:%M}" if report.since else "all history"
    v = report.verdicts
    hours = int(RETURN_WINDOW.total_seconds() // 3600)
    lists = report.lists.all
    revenue = "".join(f", {amount} {currency}" for currency, amount in sorted(report.chat_revenue.items()))
    lines = [f"shopbot report ({window}, until {report.until:%Y-%m-%d %H:%M} UTC)"]
    lines.append(_row("conversations", report.conversations))
    lines += [_row(f"  {day}", n) for day, n in report.conversations_per_day.items()]
    lines += [
        _row(
            "verified resolution",
            f"{report.resolution_rate:.1%} ({v[Verdict.RESOLVED]} resolved, {v[Verdict.UNRESOLVED]} "
            f"unresolved, {v[Verdict.PENDING]} pending < {hours} h, {v[Verdict.NO_TASK]} without a task)",
        ),
        _row("containment", f"{report.containment_rate:.1%} ({report.conversations - report.handoffs})"),
        _row("handoff rate", f"{report.handoff_rate:.1%} ({report.handoffs})"),
        _row(
            "fallback rate",
            f"{report.fallback_rate:.1%} ({report.fallback_messages} of {report.messages} messages)",
        ),
        _row(
            "search zero-result rate",
            f"{report.zero_result_rate:.1%} ({report.zero_result_searches} of {report.searches})",
        ),
        _row("lists shown", f"{lists.lists_shown} ({lists.impressions} impressions)"),
        _row(
            "click-through",
            f"{lists.click_through_rate:.1%} ({lists.clicks} clicks, {lists.add_to_carts} add-to-carts, "
            f"{lists.purchases} purchases)",
        ),
        _row("chat-assisted orders", f"{report.chat_orders}{revenue}"),
        "intents",
    ]
    lines += [_row(f"  {intent}", n) for intent, n in report.intents.items()]
    lines.append("most frequent messages not understood")
    lines += [f"  {n:>4}  {text}" for text, n in report.not_understood] or ["  (none)"]
    lines.append("top zero-result queries")
    lines += [f"  {n:>4}  {query}" for query, n in report.top_zero_result_queries] or ["  (none)"]
    return "\n".join(lines)
