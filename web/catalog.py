"""What the shop page shows from the database: the product grid, its categories, the demo logins.

Plain SQLAlchemy queries returning JSON-ready dicts; the HTTP handlers in `web.app` only adapt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shop.cards import product_card
from shop.models import Customer, Product, Variant
from shop.products import department, leaf_category

MAX_PAGE_SIZE = 60
#: The customers planted in every demo shop (see shop/demo/planted.py): the page's "logged in as" switch.
DEMO_CUSTOMER_IDS = (1, 2, 3)


def category_slug(name: str) -> str:
    """'Laptop Sleeves & Bags' -> 'laptop-sleeves-bags': the same rule as the demo shop's, so a
    leaf category's slug names its illustration, static/img/categories/<slug>.svg."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


@dataclass(frozen=True)
class ProductPage:
    products: list[dict[str, Any]]
    page: int
    per_page: int
    total: int

    def as_json(self) -> dict[str, Any]:
        return {"products": self.products, "page": self.page, "per_page": self.per_page, "total": self.total}


def _stock_by_product():  # type: ignore[no-untyped-def]
    return (
        select(Variant.product_id, func.coalesce(func.sum(Variant.stock), 0).label("stock"))
        .group_by(Variant.product_id)
        .subquery()
    )


def _category_paths(session: Session) -> list[tuple[str, int]]:
    return list(
        session.execute(
            select(Product.category_path, func.count()).where(Product.active).group_by(Product.category_path)
        ).tuples()
    )


def list_categories(session: Session) -> list[dict[str, Any]]:
    """The leaf categories of active products with their department and count, by department."""
    found: dict[str, dict[str, Any]] = {}
    for path, count in _category_paths(session):
        leaf = leaf_category(path)
        entry = found.setdefault(
            category_slug(leaf),
            {"slug": category_slug(leaf), "name": leaf, "department": department(path), "count": 0},
        )
        entry["count"] += count
    return sorted(found.values(), key=lambda c: (c["department"], c["name"]))


def list_products(
    session: Session, *, category: str | None = None, page: int = 1, per_page: int = 24
) -> ProductPage:
    """A page of active products, most rated first; `category` is a leaf category's slug."""
    page = max(page, 1)
    per_page = min(max(per_page, 1), MAX_PAGE_SIZE)
    stock = _stock_by_product()
    query = (
        select(Product, stock.c.stock)
        .outerjoin(stock, stock.c.product_id == Product.id)
        .where(Product.active)
    )
    if category:
        paths = [
            path for path, _ in _category_paths(session) if category_slug(leaf_category(path)) == category
        ]
        if not paths:
            return ProductPage(products=[], page=page, per_page=per_page, total=0)
        query = query.where(Product.category_path.in_(paths))
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(Product.rating_count.desc(), Product.id).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return ProductPage(
        products=[product_card(product, s) for product, s in rows], page=page, per_page=per_page, total=total
    )


def customer_json(customer: Customer) -> dict[str, Any]:
    return {"id": customer.id, "name": customer.name, "email": customer.email}


def demo_customers(session: Session) -> list[dict[str, Any]]:
    customers = session.scalars(
        select(Customer).where(Customer.id.in_(DEMO_CUSTOMER_IDS)).order_by(Customer.id)
    )
    return [customer_json(c) for c in customers]


def find_customer(
    session: Session, *, customer_id: int | None = None, email: str | None = None
) -> Customer | None:
    if customer_id is not None:
        return session.get(Customer, customer_id)
    if email:
        return session.scalars(
            select(Customer).where(func.lower(Customer.email) == email.strip().lower())
        ).first()
    return None
