"""Export and erasure of a customer's data, on SQLite and PostgreSQL, shop database and tracker store.

The customer (Ada) gets unmistakable personal data, orders on her account and as a guest with
her email, a shipment, a return, a ticket, browsing events, a cart, a tracking choice, audit
entries and two conversations in the tracker store. After `erase_data` no table of the shop and
no row of the tracker store holds any of it; her orders keep what the shop must keep; another
customer's data is untouched.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, insert, inspect, or_, select, text
from sqlalchemy.orm import Session

from analytics.tracker import EVENTS, TRACKER_METADATA
from recommender.feedback import record_interactions
from shop.audit import SYSTEM, Actor
from shop.consent import set_choice
from shop.db import make_engine
from shop.demo import TINY, seed_demo_shop
from shop.erasure import erase_data, erase_guest, erased_email
from shop.identity import IDENTITY_METADATA_KEY, Requester, sign_identity
from shop.models import (
    Cart,
    CartLine,
    Customer,
    EventKind,
    Order,
    OrderLine,
    OrderStatus,
    Shipment,
    SupportTicket,
)
from shop.personal_data import export_data, export_guest

ADA = {
    "email": "ada.erasable@example.org",
    "name": "Ada Quillfeather-Erasable",
    "street": "77 Zebracrossing Lane",
    "city": "Quillington",
    "postcode": "ZZ9 9ZZ",
}
TRACKING = "1ZERASE0000000042"
SIGNED_IN_CONVERSATION = "conv-ada-signed-in"
BROWSING_CONVERSATION = "conv-ada-browsing"
BOB_CONVERSATION = "conv-bob"
SECRET = "erasure-test-secret"


@pytest.fixture
def tracker(engine: Engine, tmp_path, request) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """A tracker store on the same kind of database as the shop (its own database)."""
    if engine.dialect.name == "sqlite":
        store = make_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
        TRACKER_METADATA.create_all(store)
        yield store
        store.dispose()
        return
    databases = request.getfixturevalue("postgres_databases")
    url = databases.create()
    store = make_engine(url)
    TRACKER_METADATA.create_all(store)
    yield store
    store.dispose()
    databases.drop(url)


def tracker_row(store: Engine, sender: str, type_name: str, data: dict) -> None:  # type: ignore[type-arg]
    with store.begin() as connection:
        connection.execute(
            insert(EVENTS).values(
                sender_id=sender,
                type_name=type_name,
                timestamp=1.0e9,
                data=json.dumps({"event": type_name, **data}),
            )
        )


@pytest.fixture
def shop(engine: Engine, tracker: Engine, monkeypatch) -> tuple[Engine, Engine, int, int]:  # type: ignore[no-untyped-def]
    from shop.config import get_settings

    monkeypatch.setenv("SHOPBOT_IDENTITY_SECRET", SECRET)
    get_settings.cache_clear()
    seed_demo_shop(engine, size=TINY, now=datetime(2026, 11, 23, 12))
    with Session(engine) as session, session.begin():
        ada, bob = session.scalars(select(Customer).order_by(Customer.id).limit(2)).all()
        for key, value in ADA.items():
            setattr(ada, key, value)
        product = session.scalars(select(OrderLine.product_id).limit(1)).one()
        variant = session.scalars(
            select(OrderLine.variant_id).where(OrderLine.variant_id.is_not(None))
        ).first()
        guest_order = Order(
            customer_id=None,
            email=ADA["email"],
            status=OrderStatus.DELIVERED,
            placed_at=datetime(2026, 10, 1),
            currency="USD",
            total=Decimal("42.00"),
            shipping_name=ADA["name"],
            shipping_street=ADA["street"],
            shipping_city=ADA["city"],
            shipping_postcode=ADA["postcode"],
            shipping_country="GB",
            source_conversation=SIGNED_IN_CONVERSATION,
        )
        guest_order.lines.append(OrderLine(product_id=product, quantity=1, unit_price=Decimal("42.00")))
        session.add(guest_order)
        session.flush()
        session.add(
            Shipment(
                order_id=guest_order.id,
                carrier="UPS",
                tracking_number=TRACKING,
                shipped_at=datetime(2026, 10, 2),
            )
        )
        for order in session.scalars(select(Order).where(Order.customer_id == ada.id)):
            order.shipping_name, order.shipping_street = ADA["name"], ADA["street"]
            order.shipping_city, order.shipping_postcode = ADA["city"], ADA["postcode"]
        session.add(
            SupportTicket(
                customer_id=ada.id,
                conversation_id=SIGNED_IN_CONVERSATION,
                subject="Parcel",
                summary=f"Ada ({ADA['email']}, {ADA['street']}) asks where order is",
            )
        )
        cart = Cart(customer_id=ada.id, session_id=None, conversation_id=SIGNED_IN_CONVERSATION)
        if variant is not None:
            cart.lines.append(
                CartLine(
                    product_id=product,
                    variant_id=variant,
                    quantity=1,
                    unit_price=Decimal("1.00"),
                    currency="USD",
                )
            )
        session.add(cart)
        ada_id, bob_id = ada.id, bob.id
    set_choice(Requester.customer(ada_id), SIGNED_IN_CONVERSATION, True, source="banner", engine=engine)
    record_interactions(
        engine,
        EventKind.SEARCH,
        [None],
        customer_id=ada_id,
        session_id=BROWSING_CONVERSATION,
        query=f"gift for {ADA['name']}",
    )
    set_choice(Requester.customer(bob_id), BOB_CONVERSATION, True, source="chat", engine=engine)
    record_interactions(
        engine, EventKind.SEARCH, [None], customer_id=bob_id, session_id=BOB_CONVERSATION, query="kettle"
    )
    token = sign_identity(ada_id, secret=SECRET)
    tracker_row(
        tracker,
        SIGNED_IN_CONVERSATION,
        "user",
        {"text": f"my email is {ADA['email']}", "metadata": {IDENTITY_METADATA_KEY: token}},
    )
    tracker_row(tracker, SIGNED_IN_CONVERSATION, "bot", {"text": f"Shipping to {ADA['street']}"})
    tracker_row(tracker, BROWSING_CONVERSATION, "user", {"text": "show me kettles"})
    tracker_row(tracker, BOB_CONVERSATION, "user", {"text": "hello, I am Bob"})
    yield engine, tracker, ada_id, bob_id
    get_settings.cache_clear()


def every_value(engine: Engine) -> list[tuple[str, str]]:
    """(table, text of a row) for every row of every table."""
    found = []
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                found.append((table, " | ".join(str(v) for v in row)))
    return found


def test_the_export_holds_her_account_orders_tickets_browsing_and_conversations(shop) -> None:  # type: ignore[no-untyped-def]
    engine, tracker, ada, _ = shop
    data = export_data(ada, engine=engine, tracker=tracker)
    json.dumps(data)  # JSON as it is delivered
    assert data["customer"]["email"] == ADA["email"] and data["customer"]["postcode"] == ADA["postcode"]
    assert any(
        o["email"] == ADA["email"] and o["shipment"]["tracking_number"] == TRACKING for o in data["orders"]
    )
    assert len(data["orders"]) >= 2
    assert data["support_tickets"][0]["subject"] == "Parcel"
    assert f"gift for {ADA['name']}" in [i["query"] for i in data["interactions"]]
    assert data["tracking_consent"]["allowed"] is True
    assert set(data["conversations"]) == {SIGNED_IN_CONVERSATION, BROWSING_CONVERSATION}
    texts = [m["text"] for m in data["conversations"][SIGNED_IN_CONVERSATION]]
    assert texts == [f"my email is {ADA['email']}", f"Shipping to {ADA['street']}"]
    assert "Bob" not in json.dumps(data)


def test_after_erasure_nothing_personal_is_left_in_any_table_or_the_tracker_store(shop) -> None:  # type: ignore[no-untyped-def]
    engine, tracker, ada, bob = shop
    with Session(engine) as session:
        numbers = sorted(
            session.scalars(
                select(Order.id).where(or_(Order.email == ADA["email"], Order.customer_id == ada))
            )
        )
        totals_before = {o.id: o.total for o in session.scalars(select(Order).where(Order.id.in_(numbers)))}
        bob_email = session.get(Customer, bob).email
    report = erase_data(
        ada, actor=Actor.from_requester(Requester.customer(ada)), engine=engine, tracker=tracker
    )
    assert report.conversations_erased >= 2 and report.orders_anonymised == len(numbers)

    personal = [*ADA.values(), TRACKING, SIGNED_IN_CONVERSATION, BROWSING_CONVERSATION]
    leaks = [(table, value) for table, row in every_value(engine) for value in personal if value in row]
    assert leaks == []
    with tracker.connect() as connection:
        senders = set(connection.scalars(select(EVENTS.c.sender_id)))
    assert senders == {BOB_CONVERSATION}

    with Session(engine) as session:
        # The orders keep what the shop must keep: number, date, lines, totals, country.
        kept = session.scalars(select(Order).where(Order.id.in_(numbers))).all()
        assert {o.id: o.total for o in kept} == totals_before
        assert all(o.lines and o.shipping_country and o.email == erased_email(ada) for o in kept)
        assert session.get(Customer, ada).name == ""
        # Bob is untouched.
        assert session.get(Customer, bob).email == bob_email
    assert "kettle" in [i["query"] for i in export_data(bob, engine=engine, tracker=tracker)["interactions"]]


def test_erasing_twice_changes_nothing_more_and_an_unknown_customer_is_refused(shop) -> None:  # type: ignore[no-untyped-def]
    engine, tracker, ada, _ = shop
    erase_data(ada, actor=SYSTEM, engine=engine, tracker=tracker)
    before = every_value(engine)
    again = erase_data(ada, actor=SYSTEM, engine=engine, tracker=tracker)
    assert again.orders_anonymised == 0 and again.events_deleted == 0
    after = [row for row in every_value(engine) if "privacy.erase" not in row[1]]
    assert after == [row for row in before if "privacy.erase" not in row[1]]
    with pytest.raises(LookupError):
        erase_data(999_999, actor=SYSTEM, engine=engine, tracker=tracker)


GUEST_EMAIL = "guest.erasable@example.org"
GUEST_CONVERSATION = "conv-guest-erasable"


def test_an_agent_erases_a_guests_checkouts_and_chats_on_request(shop) -> None:  # type: ignore[no-untyped-def]
    engine, tracker, _, _ = shop
    with Session(engine) as session, session.begin():
        product = session.scalars(select(OrderLine.product_id).limit(1)).one()
        order = Order(
            customer_id=None,
            email=GUEST_EMAIL,
            status=OrderStatus.PLACED,
            placed_at=datetime(2026, 11, 1),
            currency="USD",
            total=Decimal("9.00"),
            shipping_name="Gus Guestington",
            shipping_street="5 Nowhere Row",
            shipping_city="Guestham",
            shipping_postcode="GU1 1GU",
            shipping_country="GB",
            source_conversation=GUEST_CONVERSATION,
        )
        order.lines.append(OrderLine(product_id=product, quantity=1, unit_price=Decimal("9.00")))
        session.add(order)
        session.add(
            SupportTicket(
                conversation_id="conv-guest-ticket",
                subject="Where is it",
                summary="Gus asks",
                contact_email=GUEST_EMAIL,
            )
        )
    tracker_row(tracker, GUEST_CONVERSATION, "user", {"text": "I am Gus Guestington"})
    tracker_row(tracker, "conv-guest-ticket", "user", {"text": f"mail me at {GUEST_EMAIL}"})
    exported = export_guest(GUEST_EMAIL, engine=engine, tracker=tracker)
    assert [o["total"] for o in exported["orders"]] == ["9.00"]
    assert set(exported["conversations"]) == {GUEST_CONVERSATION, "conv-guest-ticket"}

    report = erase_guest(GUEST_EMAIL, actor=Actor.agent(3), engine=engine, tracker=tracker)
    assert (report.orders_anonymised, report.tickets_erased, report.conversations_erased) == (1, 1, 2)
    personal = [GUEST_EMAIL, "Gus Guestington", "5 Nowhere Row", "GU1 1GU", GUEST_CONVERSATION]
    assert [(t, v) for t, row in every_value(engine) for v in personal if v in row] == []
    with tracker.connect() as connection:
        assert set(connection.scalars(select(EVENTS.c.sender_id))) >= {BOB_CONVERSATION}
        assert not {GUEST_CONVERSATION, "conv-guest-ticket"} & set(
            connection.scalars(select(EVENTS.c.sender_id))
        )
    with pytest.raises(ValueError, match="customer"):
        erase_guest(ADA["email"], actor=SYSTEM, engine=engine, tracker=tracker)
