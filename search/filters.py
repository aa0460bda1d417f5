"""Vectorised hard filters: `Constraints` -> boolean row mask, fast at a million products.

Multi-valued fields (colours, sizes, category levels, true attributes) are interned: each row
stores the code of its value tuple, and a constraint is answered by testing the few distinct
tuples once and `np.isin` over the codes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import numpy as np

from search.catalog import CatalogItem
from search.colors import color_matches
from search.constraints import Constraints

#: Share of the candidate rows that must fill a field before a constraint on it filters hard.
HARD_COVERAGE = 0.5


class _InternedColumn:
    def __init__(self, values: Sequence[Hashable]) -> None:
        codes: dict[Hashable, int] = {}
        self.codes = np.fromiter(
            (codes.setdefault(v, len(codes)) for v in values), dtype=np.int32, count=len(values)
        )
        self.uniques = list(codes)

    def mask(self, predicate: Callable[[Hashable], bool]) -> np.ndarray:
        wanted = [code for code, value in enumerate(self.uniques) if predicate(value)]
        return np.isin(self.codes, np.asarray(wanted, dtype=np.int32))


class FilterColumns:
    def __init__(self, items: Sequence[CatalogItem]) -> None:
        self.size = len(items)
        self.prices = np.fromiter((float(i.price) for i in items), dtype=np.float64, count=len(items))
        # Prices are exact to the cent; limits are compared in whole cents, never in floats.
        self.cents = np.fromiter((int(i.price * 100) for i in items), dtype=np.int64, count=len(items))
        self.stock = np.fromiter((i.stock for i in items), dtype=np.int64, count=len(items))
        self.brand = _InternedColumn([i.brand.lower() for i in items])
        self.categories = _InternedColumn([tuple(c.lower() for c in i.categories) for i in items])
        self.colors = _InternedColumn([i.colors for i in items])
        self.sizes = _InternedColumn([tuple(s.upper() for s in i.sizes) for i in items])
        self.sizes_in_stock = _InternedColumn([tuple(s.upper() for s in i.sizes_in_stock) for i in items])
        self.features = _InternedColumn(
            [tuple(sorted(k.lower() for k, v in i.attributes.items() if v is True)) for i in items]
        )
        #: Boolean attributes a product states at all (true or false): "waterproof" is known for
        #: a jacket marked waterproof=false, unknown for a product that never says.
        self.features_known = _InternedColumn(
            [tuple(sorted(k.lower() for k, v in i.attributes.items() if isinstance(v, bool))) for i in items]
        )

    def mask(self, constraints: Constraints) -> np.ndarray:
        """Rows satisfying every constraint except `price_preference` (resolved by the engine)."""
        return self.apply(constraints)[0]

    def apply(self, constraints: Constraints) -> tuple[np.ndarray, tuple[str, ...]]:
        """The row mask and the constraints that only rank (`soft`), not filter.

        Price and stock are always filters. A colour, size, brand, category or feature filters
        hard only where the catalog fills that field for the candidates: when fewer than
        `HARD_COVERAGE` of the rows still in play have it, rows without the field stay in (the
        constraint's words still rank them, as the retrieval text keeps them) and only rows
        that have the field and contradict it drop out.
        """
        mask = np.ones(self.size, dtype=bool)
        if constraints.min_price is not None:
            mask &= self.cents >= _cents(constraints.min_price, up=True)
        if constraints.max_price is not None:
            mask &= self.cents <= _cents(constraints.max_price, up=False)
        if constraints.in_stock:
            mask &= self.stock > 0
        soft: list[str] = []

        def narrow(name: str, column: _InternedColumn, predicate: Callable[[Hashable], bool]) -> None:
            both(name, column.mask(bool), column.mask(predicate))

        def both(name: str, filled: np.ndarray, matches: np.ndarray) -> None:
            nonlocal mask
            in_play = int(mask.sum())
            if in_play and int((filled & mask).sum()) < HARD_COVERAGE * in_play:
                soft.append(name)
                mask &= matches | ~filled
            else:
                mask &= matches

        if constraints.categories:
            wanted = set(constraints.categories)
            narrow("categories", self.categories, lambda levels: bool(wanted.intersection(levels)))  # type: ignore[arg-type]
        if constraints.brands:
            brands = set(constraints.brands)
            narrow("brands", self.brand, lambda b: b in brands)
        if constraints.colors:
            narrow(
                "colors",
                self.colors,
                lambda colors: any(color_matches(c, colors) for c in constraints.colors),  # type: ignore[arg-type]
            )
        if constraints.sizes:
            column = self.sizes_in_stock if constraints.in_stock else self.sizes
            wanted_sizes = set(constraints.sizes)
            narrow("sizes", column, lambda sizes: bool(wanted_sizes.intersection(sizes)))  # type: ignore[arg-type]
        if constraints.features:
            required = set(constraints.features)
            both(
                "features",
                self.features_known.mask(lambda known: required.issubset(known)),  # type: ignore[arg-type]
                self.features.mask(lambda feats: required.issubset(feats)),  # type: ignore[arg-type]
            )
        return mask, tuple(soft)


def _cents(amount: Decimal, *, up: bool) -> int:
    """A limit in whole cents, rounded so that the limit stays inclusive and is never exceeded."""
    cents = Decimal(amount) * 100
    rounded = cents.to_integral_value(rounding=ROUND_CEILING if up else ROUND_FLOOR)
    return int(rounded)
