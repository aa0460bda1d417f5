"""Products of the seeded TINY demo shop that the cart and checkout tests need, found by shape."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, selectinload

from shop.models import Product, Variant


@dataclass(frozen=True)
class Sized:
    product_id: int
    sizes: tuple[str, ...]
    #: A size with at least 3 units in stock.
    size: str
    variant_id: int


def sized_product(engine: Engine) -> Sized:
    """An active product that comes in several sizes, one of them with stock."""
    with Session(engine) as session:
        products = session.scalars(
            select(Product)
            .where(Product.active.is_(True))
            .options(selectinload(Product.variants))
            .order_by(Product.id)
        ).all()
        for product in products:
            sizes = [v.size for v in product.variants if v.size]
            stocked = [v for v in product.variants if v.size and v.stock >= 3]
            if len(sizes) >= 2 and stocked:
                return Sized(product.id, tuple(sizes), stocked[0].size or "", stocked[0].id)
    raise AssertionError("the demo shop has no sized product in stock")


def plain_product(engine: Engine, *, min_price: float = 0, max_price: float = 10_000) -> int:
    """An active product with one variant and at least 3 units, priced in the given range."""
    with Session(engine) as session:
        products = session.scalars(
            select(Product)
            .where(Product.active.is_(True), Product.price >= min_price, Product.price <= max_price)
            .options(selectinload(Product.variants))
            .order_by(Product.id)
        ).all()
        for product in products:
            if len(product.variants) == 1 and product.variants[0].stock >= 3:
                return product.id
    raise AssertionError("the demo shop has no single-variant product in stock in that range")


def only_variant(engine: Engine, product_id: int) -> int:
    with Session(engine) as session:
        return session.scalars(select(Variant.id).where(Variant.product_id == product_id)).one()


def set_stock(engine: Engine, variant_id: int, stock: int) -> None:
    with Session(engine) as session, session.begin():
        session.execute(update(Variant).where(Variant.id == variant_id).values(stock=stock))


def stock_of(engine: Engine, variant_id: int) -> int:
    with Session(engine) as session:
        return session.get_one(Variant, variant_id).stock
