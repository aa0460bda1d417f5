"""Tracking consent on SQLite and PostgreSQL: recording respects what the shopper chose."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from recommender.feedback import record_interactions
from shop.audit import AuditEntry
from shop.config import get_settings
from shop.consent import choice, may_record, set_choice
from shop.identity import Requester
from shop.models import Customer, EventKind, InteractionEvent, Product

GUEST = Requester.guest()


@pytest.fixture
def shop(engine: Engine) -> Iterator[Engine]:
    with Session(engine) as session, session.begin():
        session.add(Customer(id=1, email="ada@example.com", name="Ada Lovelace"))
        session.add(
            Product(
                id=10, sku="P-10", title="Kettle", category_path="Home > Kettles", brand="Brew",
                price=25, currency="USD",
            )
        )  # fmt: skip
    get_settings.cache_clear()
    yield engine
    get_settings.cache_clear()


def events(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(InteractionEvent)) or 0


def browse(engine: Engine, customer_id: int | None, session_id: str) -> int:
    return record_interactions(engine, EventKind.VIEW, [10], customer_id=customer_id, session_id=session_id)


def test_nothing_is_recorded_before_the_shopper_chooses(shop: Engine) -> None:
    assert choice(GUEST, "conv-1", engine=shop) is None
    assert not may_record(GUEST, "conv-1", engine=shop)
    assert browse(shop, None, "conv-1") == 0 and browse(shop, 1, "conv-2") == 0
    assert events(shop) == 0


def test_a_shop_may_record_shoppers_who_have_not_chosen(shop: Engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SHOPBOT_TRACKING_WITHOUT_CHOICE", "true")
    get_settings.cache_clear()
    assert browse(shop, None, "conv-1") == 1
    set_choice(GUEST, "conv-1", False, source="banner", engine=shop)
    assert browse(shop, None, "conv-1") == 0 and events(shop) == 1


def test_a_guest_who_allows_it_is_recorded_in_that_session_only(shop: Engine) -> None:
    assert set_choice(GUEST, "conv-1", True, source="banner", engine=shop)
    assert browse(shop, None, "conv-1") == 1
    assert browse(shop, None, "conv-other") == 0
    assert events(shop) == 1


def test_a_customers_choice_holds_in_every_session_and_wins_over_the_sessions(shop: Engine) -> None:
    ada = Requester.customer(1)
    set_choice(GUEST, "conv-1", True, source="banner", engine=shop)
    set_choice(ada, "conv-1", False, source="chat", engine=shop)
    assert browse(shop, 1, "conv-1") == 0 and browse(shop, 1, "conv-9") == 0
    set_choice(ada, "conv-9", True, source="chat", engine=shop)
    assert browse(shop, 1, "conv-1") == 1 and browse(shop, 1, "conv-9") == 1


def test_a_choice_is_audited_once_and_setting_it_again_changes_nothing(shop: Engine) -> None:
    ada = Requester.customer(1)
    assert set_choice(ada, "conv-1", True, source="chat", engine=shop)
    assert not set_choice(ada, "conv-2", True, source="banner", engine=shop)
    assert set_choice(ada, "conv-2", False, source="banner", engine=shop)
    with Session(shop) as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "consent.tracking")).all()
        assert [(e.actor_kind, e.actor_id, e.new_values["allowed"]) for e in entries] == [
            ("customer", "1", True),
            ("customer", "1", False),
        ]


def test_a_guest_choice_needs_a_session_and_a_known_source(shop: Engine) -> None:
    with pytest.raises(ValueError, match="session"):
        set_choice(GUEST, None, True, source="banner", engine=shop)
    with pytest.raises(ValueError, match="source"):
        set_choice(GUEST, "conv-1", True, source="telepathy", engine=shop)
