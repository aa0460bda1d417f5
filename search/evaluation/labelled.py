"""The generated labelled set: `QuerySpec` relevance specs and the `Grader` that turns a spec into
graded judgments (0-3) for every product of the catalog (see `search.evaluation`)."""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from search.catalog import CatalogItem
from search.colors import color_matches

EVAL_DIR = Path(__file__).resolve().parents[2] / "data" / "search_eval"


@dataclass
class QuerySpec:
    query: str
    #: typo | price | vague | brand | colour | attribute | category | code | size | stock
    kind: str
    #: lower-case category name (any level) -> maximum grade
    categories: dict[str, int] = field(default_factory=dict)
    colors: list[str] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)
    min_price: float | None = None
    max_price: float | None = None
    #: "cheap": a product counts as matching when its price is at most its category's median
    cheap: bool = False
    features: list[str] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)
    sizes: list[str] = field(default_factory=list)
    in_stock: bool = False
    skus: list[str] = field(default_factory=list)
    #: lower-case fragment the title must contain (model names)
    title_contains: str | None = None
    #: Expected extracted constraints (only the keys given are checked), for extraction accuracy.
    expect: dict[str, Any] | None = None

    def to_json(self) -> str:
        data = {k: v for k, v in asdict(self).items() if v not in (None, [], {}, False)}
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QuerySpec:
        return cls(**data)


def load_specs(path: Path | None = None) -> list[QuerySpec]:
    path = path or EVAL_DIR / "queries.jsonl"
    return [QuerySpec.from_dict(json.loads(line)) for line in path.read_text().splitlines() if line.strip()]


class Grader:
    """Graded relevance of every catalog product for a spec."""

    def __init__(self, items: Sequence[CatalogItem]) -> None:
        self.items = list(items)
        by_category: dict[str, list[float]] = {}
        for item in self.items:
            by_category.setdefault(item.category.lower(), []).append(float(item.price))
        self.median_price = {c: statistics.median(p) for c, p in by_category.items()}

    def grade(self, item: CatalogItem, spec: QuerySpec) -> int:
        if spec.skus:
            return 3 if item.sku in spec.skus else 0
        levels = [c.lower() for c in item.categories]
        cap = max((spec.categories.get(level, 0) for level in levels), default=0) if spec.categories else 3
        if cap == 0:
            return 0
        price = float(item.price)
        if spec.max_price is not None and price > spec.max_price + 1e-9:
            return 0
        if spec.min_price is not None and price < spec.min_price - 1e-9:
            return 0
        missing = 0
        if spec.colors and not any(color_matches(c, item.colors) for c in spec.colors):
            missing += 1
        if spec.brands and item.brand.lower() not in spec.brands:
            missing += 1
        if spec.cheap and price > self.median_price.get(item.category.lower(), math.inf):
            missing += 1
        for feature in spec.features:
            if item.attributes.get(feature) is not True:
                missing += 1
        for key, value in spec.attributes.items():
            if str(item.attributes.get(key)).lower() != str(value).lower():
                missing += 1
        if spec.sizes and not {s.upper() for s in item.sizes}.intersection(spec.sizes):
            missing += 1
        if spec.in_stock and not item.in_stock:
            missing += 1
        if spec.title_contains and spec.title_contains not in item.title.lower():
            missing += 1
        return max(1, cap - missing)

    def judgments(self, spec: QuerySpec) -> dict[int, int]:
        """product id -> grade, for grades > 0."""
        out = {}
        for item in self.items:
            g = self.grade(item, spec)
            if g:
                out[item.id] = g
        return out


def write_specs(specs: Sequence[QuerySpec], path: Path) -> None:
    path.write_text("".join(s.to_json() + "\n" for s in specs))
