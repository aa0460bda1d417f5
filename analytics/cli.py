"""`shopbot report` and `shopbot recommender ctr`: the owner's figures on the terminal."""

from __future__ import annotations

import json
from datetime import timedelta

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine


def tracker_engine(url: str | None = None) -> Engine:
    """The tracker store's engine; Rasa's "postgresql://" URLs get the psycopg 3 driver."""
    from shop.config import get_settings
    from shop.db import make_engine

    url = url or get_settings().tracker_database_url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return make_engine(url)


def report(
    days: float | None = typer.Option(None, "--days", min=0, help="Only the last N days (default: all)."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    tracker_url: str | None = typer.Option(
        None, help="Tracker store URL (default SHOPBOT_TRACKER_DATABASE_URL)."
    ),
) -> None:
    """Conversations, verified resolution, containment, fallbacks, search, click-through and chat sales."""
    from analytics.report import build_report, format_report
    from shop.db import get_engine

    result = build_report(get_engine(), tracker_engine(tracker_url), days=days)
    print(json.dumps(result.to_dict(), indent=2) if as_json else format_report(result))


def ctr(days: float | None = typer.Option(None, help="Only lists shown in the last DAYS days.")) -> None:
    """Click-through report of product lists shown in chat (by recommendation_id)."""
    from analytics.lists import lists_report
    from analytics.shop_activity import load_activity
    from shop.db import get_engine
    from shop.models import utcnow

    since = utcnow() - timedelta(days=days) if days is not None else None
    activity = load_activity(get_engine(), since=since, until=None)
    lists = lists_report(activity.events, bought=activity.bought_from_lists, shown_since=since)
    table = Table("measure", "all lists", "search results", "recommendations")
    parts = (lists.all, lists.search, lists.recommendations)
    for label, attribute, percent in (
        ("lists shown", "lists_shown", False),
        ("impressions", "impressions", False),
        ("clicks", "clicks", False),
        ("add to carts", "add_to_carts", False),
        ("purchases", "purchases", False),
        ("click-through rate", "click_through_rate", True),
        ("add-to-cart rate", "add_to_cart_rate", True),
        ("conversion rate", "conversion_rate", True),
        ("lists with a click", "list_click_rate", True),
    ):
        values = [getattr(part, attribute) for part in parts]
        table.add_row(label, *(f"{v:.2%}" if percent else str(v) for v in values))
    Console().print(table)
