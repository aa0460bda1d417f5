"""`Constraints`: the typed filters a query (or a refinement, or a button) asks for.

Empty means "anything". The engine applies them as a boolean mask (`search.filters`) where the
catalog can answer them; `matches()` is the same test for one product.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from search.colors import color_matches

if TYPE_CHECKING:
    from search.catalog import CatalogItem

PricePreference = Literal["low", "high"]


@dataclass(frozen=True)
class Constraints:
    """Hard filters extracted from a query (or set by a refinement). Empty means "anything"."""

    min_price: Decimal | None = None
    max_price: Decimal | None = None
    #: "cheap" or "premium" without a number; the engine turns it into a price limit relative to
    #: the matching products (bottom or top third) and reports the limit in `max_price`/`min_price`.
    price_preference: PricePreference | None = None
    colors: tuple[str, ...] = ()
    #: Catalog notation ("XL", "42").
    sizes: tuple[str, ...] = ()
    #: Lower-case brand names.
    brands: tuple[str, ...] = ()
    #: Lower-case category names (any level of the category path).
    categories: tuple[str, ...] = ()
    in_stock: bool = False
    #: Boolean attributes that must be true ("waterproof").
    features: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return self == Constraints()

    def matches(self, item: CatalogItem) -> bool:
        """Whether one product satisfies every constraint (the vectorised filter does the same)."""
        if self.min_price is not None and item.price < self.min_price:
            return False
        if self.max_price is not None and item.price > self.max_price:
            return False
        if self.colors and not any(color_matches(c, item.colors) for c in self.colors):
            return False
        if self.sizes:
            have = {s.upper() for s in (item.sizes_in_stock if self.in_stock else item.sizes)}
            if not have.intersection(self.sizes):
                return False
        if self.brands and item.brand.lower() not in self.brands:
            return False
        if self.categories:
            levels = {c.lower() for c in item.categories}
            if not levels.intersection(self.categories):
                return False
        if self.in_stock and not item.in_stock:
            return False
        return all(item.attributes.get(f) is True for f in self.features)

    def merged(self, newer: Constraints) -> Constraints:
        """`newer` overrides what it states; what it leaves open is kept (a follow-up refinement)."""
        return Constraints(
            min_price=newer.min_price if newer.min_price is not None else self.min_price,
            max_price=newer.max_price if newer.max_price is not None else self.max_price,
            price_preference=newer.price_preference or self.price_preference,
            colors=newer.colors or self.colors,
            sizes=newer.sizes or self.sizes,
            brands=newer.brands or self.brands,
            categories=newer.categories or self.categories,
            in_stock=newer.in_stock or self.in_stock,
            features=tuple(dict.fromkeys(self.features + newer.features)),
        )

    def describe(self, currency_symbol: str = "$") -> str:
        """Human-readable summary ("under $50, red, size XL, in stock")."""
        parts: list[str] = []
        lo, hi = self.min_price, self.max_price
        if lo is not None and hi is not None:
            parts.append(f"{currency_symbol}{lo:g}-{currency_symbol}{hi:g}")
        elif hi is not None:
            parts.append(f"under {currency_symbol}{hi:g}")
        elif lo is not None:
            parts.append(f"over {currency_symbol}{lo:g}")
        elif self.price_preference == "low":
            parts.append("cheap")
        elif self.price_preference == "high":
            parts.append("premium")
        parts.extend(self.brands)
        parts.extend(self.colors)
        parts.extend(self.features)
        parts.extend(self.categories)
        parts.extend(f"size {s}" for s in self.sizes)
        if self.in_stock:
            parts.append("in stock")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "min_price": None if self.min_price is None else str(self.min_price),
            "max_price": None if self.max_price is None else str(self.max_price),
            "price_preference": self.price_preference,
            "colors": list(self.colors),
            "sizes": list(self.sizes),
            "brands": list(self.brands),
            "categories": list(self.categories),
            "in_stock": self.in_stock,
            "features": list(self.features),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Constraints:
        def money(value: Any) -> Decimal | None:
            return None if value is None else Decimal(str(value))

        return cls(
            min_price=money(data.get("min_price")),
            max_price=money(data.get("max_price")),
            price_preference=data.get("price_preference"),
            colors=tuple(data.get("colors") or ()),
            sizes=tuple(data.get("sizes") or ()),
            brands=tuple(data.get("brands") or ()),
            categories=tuple(data.get("categories") or ()),
            in_stock=bool(data.get("in_stock")),
            features=tuple(data.get("features") or ()),
        )


def with_price_limit(constraints: Constraints, *, max_price: Decimal | None) -> Constraints:
    """A copy whose upper price limit is the tighter of the existing one and `max_price`."""
    if max_price is None:
        return constraints
    current = constraints.max_price
    return replace(constraints, max_price=max_price if current is None else min(current, max_price))
