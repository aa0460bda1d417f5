"""A plain, immutable snapshot of one product: everything search, filters and Q&A need.

Search works on `CatalogItem`s rather than ORM objects so that the index can be loaded and
queried without a database session (the action server loads it once), and so that tests can
build a catalog by hand.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from shop.models import Product

#: Bump when `CatalogItem.text()` changes, so that cached embeddings are recomputed.
TEXT_VERSION = 1


@dataclass(frozen=True, slots=True)
class CatalogItem:
    id: int
    sku: str
    title: str
    description: str
    category_path: str
    brand: str
    price: Decimal
    currency: str
    color: str | None = None
    #: The product's colour plus the colours of its variants, lower case, without duplicates.
    colors: tuple[str, ...] = ()
    material: str | None = None
    #: Sizes of the variants, as written in the catalog ("M", "XL", "42").
    sizes: tuple[str, ...] = ()
    attributes: Mapping[str, Any] = field(default_factory=dict)
    rating: float | None = None
    rating_count: int = 0
    #: Units in stock over all variants when the snapshot was taken.
    stock: int = 0
    #: Sizes that have stock (subset of `sizes`).
    sizes_in_stock: tuple[str, ...] = ()
    image_url: str | None = None

    @property
    def category(self) -> str:
        """The leaf category ("Laptops")."""
        return self.categories[-1] if self.categories else ""

    @property
    def categories(self) -> tuple[str, ...]:
        """Every level of the category path, root first."""
        return tuple(part.strip() for part in self.category_path.split(">") if part.strip())

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    def text(self) -> str:
        """The text that is embedded and indexed: title, category, brand, key attributes, description."""
        parts = [self.title, " / ".join(self.categories), self.brand]
        if self.colors:
            parts.append("colour " + ", ".join(self.colors))
        if self.material:
            parts.append(f"material {self.material}")
        for key, value in sorted(self.attributes.items()):
            phrase = attribute_phrase(key, value)
            if phrase:
                parts.append(phrase)
        if self.description:
            parts.append(self.description)
        return ". ".join(p for p in parts if p)

    def content_hash(self) -> str:
        """Hash of the indexed text: a product whose hash is unchanged keeps its cached embedding."""
        digest = hashlib.sha256(f"v{TEXT_VERSION}\n{self.text()}".encode())
        return digest.hexdigest()[:32]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["price"] = str(self.price)
        data["attributes"] = dict(self.attributes)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CatalogItem:
        values = dict(data)
        values["price"] = Decimal(str(values["price"]))
        for key in ("colors", "sizes", "sizes_in_stock"):
            values[key] = tuple(values.get(key) or ())
        return cls(**values)

    @classmethod
    def from_product(cls, product: Product) -> CatalogItem:
        """Snapshot an ORM product (its variants must be loadable)."""
        variants = list(product.variants)
        colors: list[str] = []
        for color in [product.color, *(v.color for v in variants)]:
            if color and color.strip().lower() not in colors:
                colors.append(color.strip().lower())
        sizes: list[str] = []
        sizes_in_stock: list[str] = []
        for variant in variants:
            if variant.size and variant.size not in sizes:
                sizes.append(variant.size)
            if variant.size and variant.stock > 0 and variant.size not in sizes_in_stock:
                sizes_in_stock.append(variant.size)
        attributes = dict(product.attributes or {})
        for size in attributes.get("sizes") or ():
            if str(size) not in sizes:
                sizes.append(str(size))
        return cls(
            id=product.id,
            sku=product.sku,
            title=product.title,
            description=product.description or "",
            category_path=product.category_path,
            brand=product.brand,
            price=Decimal(product.price),
            currency=product.currency,
            color=product.color,
            colors=tuple(colors),
            material=product.material,
            sizes=tuple(sizes),
            attributes=attributes,
            rating=product.rating,
            rating_count=product.rating_count or 0,
            stock=sum(v.stock for v in variants),
            sizes_in_stock=tuple(sizes_in_stock),
            image_url=product.image_url,
        )


#: Attributes that say nothing a shopper searches for (or are shown elsewhere).
NOT_INDEXED = frozenset({"sizes", "final_sale", "price_level"})


def attribute_phrase(key: str, value: Any) -> str:
    """A readable phrase for an attribute ("waterproof", "weight kg 1.2"); empty when not worth indexing."""
    name = key.replace("_", " ")
    if key in NOT_INDEXED:
        return ""
    if value is True:
        return name
    if value is False or value is None or value == "" or value == []:
        return ""
    if isinstance(value, list | tuple):
        return f"{name} {', '.join(str(v) for v in value)}"
    if isinstance(value, dict):
        return ""
    return f"{name} {value}"


def load_catalog(engine: Engine) -> list[CatalogItem]:
    """Every active product of the shop as a `CatalogItem`, ordered by id."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session, selectinload

    from shop.models import Product

    with Session(engine) as session:
        products = session.scalars(
            select(Product)
            .where(Product.active.is_(True))
            .options(selectinload(Product.variants))
            .order_by(Product.id)
        )
        return [CatalogItem.from_product(p) for p in products]


def catalog_fingerprint(items: Iterable[CatalogItem]) -> str:
    """A hash of the whole snapshot (prices and stock included), to tell whether anything changed."""
    digest = hashlib.sha256()
    for item in items:
        digest.update(json.dumps(item.to_dict(), sort_keys=True, default=str).encode())
    return digest.hexdigest()[:32]
