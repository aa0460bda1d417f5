"""`shopbot report`'s figures, checked against a generated log of ten known conversations."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from analytics.report import Report, build_report, format_report
from shop.config import get_settings
from shop.db import get_engine, make_engine
from shop.models import EventKind, Order, OrderStatus, Product
from tests.analytics.conversation_log import ConversationLog

DAY1 = datetime(2026, 11, 20, 10, 0)
NOW = datetime(2026, 11, 30, 12, 0)
A, B, C = "a" * 32, "b" * 32, "c" * 32  # list ids


@pytest.fixture(scope="module")
def logged(tmp_path_factory, tiny_shops):  # type: ignore[no-untyped-def]
    directory = tmp_path_factory.mktemp("report")
    shop = make_engine(tiny_shops.copy(directory / "shop.db"))
    tracker = make_engine(f"sqlite:///{directory / 'tracker.db'}")
    with shop.connect() as connection:
        p = connection.scalars(select(Product.id).order_by(Product.id).limit(6)).all()
        orders = connection.scalars(
            select(Order.id).where(Order.status != OrderStatus.CANCELLED).order_by(Order.id).limit(4)
        ).all()
        new_order = connection.scalar(select(func.max(Order.id))) + 1
    status_order, cancel_order, address_order, return_order = orders
    log = ConversationLog()
    day2, day3 = DAY1 + timedelta(days=1), DAY1 + timedelta(days=2)

    # Day 1. An order status answered from the shop's data (but the shopper comes back on day 3).
    log.conversation("alice", DAY1).user("where is my order?", "order_status").slot(
        "order_number", str(status_order)
    ).action("action_order_status")
    # A search with results, "more like the first one" (a click), and an add-to-cart from the search list.
    (
        log.conversation("bob", DAY1 + timedelta(hours=1))
        .user("running shoes", "search_product", "action_search_products")
        .event(EventKind.SEARCH, None, A, query="Running  shoes")
        .shown(A, p[0], p[1], p[2])
        .user(
            f'/similar_items{{"product_id": {p[0]}}}',
            "similar_items",
            "action_similar_items",
            product_id=p[0],
        )
        .event(EventKind.CLICK, p[0], A)
        .event(EventKind.CLICK, p[0], A)  # a double click counts once
        .event(EventKind.CLICK, p[5], A)  # a product list A never showed: no click on A
        .shown(B, p[3], p[4])
        .user(f'/add_to_cart{{"product_id": {p[0]}}}', "add_to_cart", "action_add_to_cart", product_id=p[0])
        .event(EventKind.ADD_TO_CART, p[0], A)
    )
    # A search that finds nothing, a message not understood, then a person.
    (
        log.conversation("guest-1", DAY1 + timedelta(hours=2))
        .user("purple unicorn lamp", "search_product", "action_search_products")
        .event(EventKind.SEARCH, None, "d" * 32, query="Purple unicorn lamp")
        .user("asdf qwerty", "nlu_fallback", "action_default_ask_affirmation")
        .user("a human please", "request_human", "action_handoff")
        .ticket()
    )
    # Day 2. A cancellation that the order's history confirms.
    (
        log.conversation("carla", day2)
        .user("cancel my order", "cancel_order")
        .slot("order_number", str(cancel_order))
        .user("yes", "affirm", "action_cancel_order")
        .order_history(cancel_order, OrderStatus.CANCELLED, "Cancelled by the customer in chat")
    )
    # An address change that was refused: nothing in the order's history.
    (
        log.conversation("dave", day2 + timedelta(hours=1))
        .user("change my address", "change_address")
        .slot("order_number", str(address_order))
        .user("yes", "affirm", "action_change_address")
        .slot("order_refusal", "already_shipped")
    )
    # Small talk and a message with an email address in it, not understood: no task.
    (
        log.conversation("erin", day2 + timedelta(hours=2))
        .user("hi", "greet", "action_greet")
        .user("my email is erin@example.com lol", "nlu_fallback", "action_default_ask_affirmation")
    )
    # Day 3. Alice again, about the same order, within 72 hours: her first conversation did not resolve it.
    log.conversation("alice", day3).user("where is it now?", "order_status").slot(
        "order_number", str(status_order)
    ).action("action_order_status")
    # Recommendations, one added to the cart and bought through the chat checkout.
    (
        log.conversation("frank", day3 + timedelta(hours=1))
        .user("recommend me something", "recommend", "action_recommend")
        .shown(C, p[1], p[2])
        .user(f'/add_to_cart{{"product_id": {p[1]}}}', "add_to_cart", "action_add_to_cart", product_id=p[1])
        .event(EventKind.ADD_TO_CART, p[1], C)
        .user("checkout", "checkout", "action_checkout")
        .placed_order(new_order, "59.90", lines=[(p[1], C)])  # the line names list C: a purchase from it
    )
    # The same query finds nothing again, and a message the policy could not place.
    (
        log.conversation("guest-2", day3 + timedelta(hours=2))
        .user("purple unicorn lamp", "search_product", "action_search_products")
        .event(EventKind.SEARCH, None, "e" * 32, query="purple unicorn  lamp")
        .user("hmm whatever", "inform", "action_default_fallback")
    )
    # Day 10. A return, registered; its 72 hours have not passed yet.
    (
        log.conversation("gina", NOW - timedelta(hours=4))
        .user("I want to return something", "return_item")
        .slot("order_number", str(return_order))
        .user("yes", "affirm", "action_create_return")
        .returned(return_order, "RMA-TEST-1")
    )
    log.write(tracker, shop)
    yield shop, tracker, directory
    shop.dispose()
    tracker.dispose()


@pytest.fixture(scope="module")
def report(logged) -> Report:  # type: ignore[no-untyped-def]
    shop, tracker, _ = logged
    return build_report(shop, tracker, now=NOW)


def test_conversations_are_counted_per_day_by_their_first_message(report: Report) -> None:
    assert report.conversations == 10
    assert report.conversations_per_day == {
        "2026-11-20": 3,
        "2026-11-21": 3,
        "2026-11-22": 3,
        "2026-11-30": 1,
    }


def test_verified_resolution_needs_the_shops_evidence_no_handoff_and_no_return(report: Report) -> None:
    # resolved: bob (list shown), carla (cancellation in the history), alice's second, frank.
    # unresolved: alice's first (she came back), guest-1 (nothing found, handed off), dave
    # (refused), guest-2 (nothing found). pending: gina. no task: erin.
    assert report.verdicts == {"resolved": 4, "unresolved": 4, "pending": 1, "no_task": 1}
    assert report.resolution_rate == 0.5
    assert report.resolved_by_flow["order_status"] == {"resolved": 1, "unresolved": 1, "pending": 0}
    assert report.resolved_by_flow["change_address"] == {"resolved": 0, "unresolved": 1, "pending": 0}
    assert report.resolved_by_flow["return_item"] == {"resolved": 0, "unresolved": 0, "pending": 1}


def test_containment_handoff_and_fallback_rates(report: Report) -> None:
    assert (report.handoffs, report.handoff_rate, report.containment_rate) == (1, 0.1, 0.9)
    assert (report.messages, report.fallback_messages) == (21, 3)
    assert report.fallback_rate == round(3 / 21, 4)


def test_intents_are_counted_per_message(report: Report) -> None:
    assert report.intents == {
        "search_product": 3, "affirm": 3, "order_status": 2, "add_to_cart": 2, "nlu_fallback": 2,
        "similar_items": 1, "request_human": 1, "cancel_order": 1, "change_address": 1, "greet": 1,
        "recommend": 1, "checkout": 1, "inform": 1, "return_item": 1,
    }  # fmt: skip
    assert sum(report.intents.values()) == report.messages


def test_messages_not_understood_are_listed_masked(report: Report) -> None:
    assert sorted(report.not_understood) == [
        ("asdf qwerty", 1),
        ("hmm whatever", 1),
        ("my email is e***@example.com lol", 1),
    ]


def test_search_zero_results_and_their_queries(report: Report) -> None:
    assert (report.searches, report.zero_result_searches) == (3, 2)
    assert report.zero_result_rate == round(2 / 3, 4)
    assert report.top_zero_result_queries == [("purple unicorn lamp", 2)]


def test_click_through_joins_feedback_to_the_list_that_showed_the_product(report: Report) -> None:
    lists = report.lists
    assert (lists.all.lists_shown, lists.all.impressions) == (3, 7)
    assert (lists.all.clicks, lists.all.add_to_carts, lists.all.purchases, lists.all.lists_with_click) == (
        1,
        2,
        1,
        1,
    )
    assert (lists.search.impressions, lists.search.clicks, lists.search.add_to_carts) == (3, 1, 1)
    assert (lists.recommendations.impressions, lists.recommendations.add_to_carts) == (4, 1)
    assert lists.recommendations.purchases == 1


def test_chat_assisted_orders_and_revenue(report: Report) -> None:
    assert report.chat_orders == 1
    assert {c: str(v) for c, v in report.chat_revenue.items()} == {"USD": "59.90"}


def test_days_limits_the_window(logged) -> None:  # type: ignore[no-untyped-def]
    shop, tracker, _ = logged
    recent = build_report(shop, tracker, days=1, now=NOW)
    assert recent.conversations == 1
    assert recent.verdicts["pending"] == 1
    assert (recent.searches, recent.chat_orders, recent.lists.all.impressions) == (0, 0, 0)


def test_the_text_and_json_forms_carry_the_same_figures(report: Report) -> None:
    text = format_report(report)
    assert "verified resolution           50.0% (4 resolved, 4 unresolved, 1 pending < 72 h" in text
    assert "my email is e***@example.com lol" in text and "erin@example.com" not in text
    data = json.loads(json.dumps(report.to_dict()))
    assert data["resolution"]["rate"] == 0.5
    assert data["chat_orders"] == {"count": 1, "revenue": {"USD": "59.90"}}


def test_shopbot_report_prints_json(logged, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from shopbot.cli import app

    shop, tracker, directory = logged
    monkeypatch.setenv("DATABASE_URL", shop.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    get_engine.cache_clear()
    result = CliRunner().invoke(
        app, ["report", "--json", "--tracker-url", f"sqlite:///{directory / 'tracker.db'}"]
    )
    assert result.exit_code == 0, result.output
    get_settings.cache_clear()
    get_engine.cache_clear()
    data = json.loads(result.output)
    assert data["conversations"] == 10
    assert data["search"]["top_zero_result_queries"] == [{"query": "purple unicorn lamp", "count": 2}]


def test_an_empty_tracker_store_reads_as_no_conversations(tmp_path, logged) -> None:  # type: ignore[no-untyped-def]
    shop, _, _ = logged
    empty = build_report(shop, make_engine(f"sqlite:///{tmp_path / 'none.db'}"), now=NOW)
    assert empty.conversations == 0 and empty.resolution_rate == 0.0
