"""What the conversation may say about a logged-in customer (today: how to greet them)."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from shop.db import get_engine
from shop.models import Customer


def first_name(customer_id: int, *, engine: Engine | None = None) -> str | None:
    """The first word of the customer's name, None for an unknown customer or an empty name."""
    with Session(engine or get_engine()) as session:
        customer = session.get(Customer, customer_id)
        return customer.name.split()[0] if customer and customer.name and customer.name.split() else None
