"""The one product vocabulary every floor shares: a category path's levels and a plain product.

A category path is written "Department > Category > Leaf" everywhere (the database, catalog
files, the demo vocabulary). `category_levels` is the one place that splits it; `leaf_category`
and `department` name its ends, `join_category` writes levels back.

`CatalogItem` is an immutable, framework-free snapshot of one product with its variants folded
in (colours, sizes, stock): what search, the recommender and Q&A read instead of ORM rows, so
that indexes and models load and answer without a database session, and tests can build a
catalog by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shop.models import Product

#: How levels of a category path are written between them.
CATEGORY_SEPARATOR = " > "


def category_levels(path: str | None) -> tuple[str, ...]:
    """Every level of a category path, root first: "Sports > Running > Shoes" -> 3 names."""
    return tuple(part.strip() for part in (path or "").split(">") if part.strip())


def leaf_category(path: str | None) -> str:
    """The most specific level ("Running Shoes"), empty for an empty path."""
    levels = category_levels(path)
    return levels[-1] if levels else ""


def department(path: str | None) -> str:
    """The top level ("Sports & Outdoors"), empty for an empty path."""
    levels = category_levels(path)
    return levels[0] if levels else ""


def join_category(levels: tuple[str, ...] | list[str]) -> str:
    """Levels written back as a path ("A > B > C")."""
    return CATEGORY_SEPARATOR.join(level.strip() for level in levels if level.strip())


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
    active: bool = True

    @property
    def category(self) -> str:
        """The leaf category ("Laptops")."""
        return leaf_category(self.category_path)

    @property
    def categories(self) -> tuple[str, ...]:
        """Every level of the category path, root first."""
        return category_levels(self.category_path)

    @property
    def department(self) -> str:
        return department(self.category_path)

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

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
            active=bool(product.active),
        )
