"""The demo shop's vocabulary: categories, brands and sentence patterns from `data/demo/*.json`.

The words live in data files so that the shop can be reshaped without touching the
generator; this module only loads them into typed, read-only objects.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from shop.config import REPO_ROOT
from shop.products import department, leaf_category

DEMO_DATA_DIR = REPO_ROOT / "data" / "demo"

#: Price levels, cheapest first; each brand belongs to one level within its pool.
PRICE_LEVELS: tuple[str, ...] = ("budget", "mid", "premium")


def slugify(text: str) -> str:
    """ "Laptop Sleeves & Bags" -> "laptop-sleeves-bags"."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass(frozen=True)
class CategorySpec:
    code: str
    path: str
    pool: str
    weight: float
    demand: float
    price: tuple[float, float]
    nouns: tuple[str, ...]
    models: tuple[str, ...]
    adjectives: tuple[str, ...]
    colors: tuple[str, ...]
    materials: tuple[str, ...]
    sizes: tuple[str, ...]
    specs: dict[str, tuple[Any, ...]]
    titles: tuple[str, ...]
    features: tuple[str, ...]
    uses: tuple[str, ...]
    queries: tuple[str, ...]
    waterproof: float | None
    final_sale: float
    complements: dict[str, float] = field(default_factory=dict)

    @cached_property
    def leaf(self) -> str:
        return leaf_category(self.path)

    @cached_property
    def department(self) -> str:
        return department(self.path)

    @cached_property
    def slug(self) -> str:
        return slugify(self.leaf)

    @property
    def image_url(self) -> str:
        return f"/static/img/categories/{self.slug}.svg"


@dataclass(frozen=True)
class Vocabulary:
    categories: tuple[CategorySpec, ...]
    #: pool -> price level -> brands
    brands: dict[str, dict[str, tuple[str, ...]]]
    text: dict[str, Any]

    def category(self, code: str) -> CategorySpec:
        for spec in self.categories:
            if spec.code == code:
                return spec
        raise KeyError(code)


def _category(raw: dict[str, Any], size_sets: dict[str, list[str]]) -> CategorySpec:
    sizes = raw.get("sizes")
    return CategorySpec(
        code=raw["code"],
        path=raw["path"],
        pool=raw["pool"],
        weight=float(raw["weight"]),
        demand=float(raw["demand"]),
        price=(float(raw["price"][0]), float(raw["price"][1])),
        nouns=tuple(raw["nouns"]),
        models=tuple(raw["models"]),
        adjectives=tuple(raw["adjectives"]),
        colors=tuple(raw.get("colors", ())),
        materials=tuple(raw.get("materials", ())),
        sizes=tuple(size_sets[sizes]) if sizes else (),
        specs={key: tuple(values) for key, values in raw.get("specs", {}).items()},
        titles=tuple(raw["titles"]),
        features=tuple(raw["features"]),
        uses=tuple(raw["uses"]),
        queries=tuple(raw["queries"]),
        waterproof=raw.get("waterproof"),
        final_sale=float(raw.get("final_sale", 0.03)),
        complements={code: float(p) for code, p in raw.get("complements", {}).items()},
    )


@lru_cache(maxsize=4)
def load_vocabulary(directory: Path = DEMO_DATA_DIR) -> Vocabulary:
    categories_doc = json.loads((directory / "categories.json").read_text(encoding="utf-8"))
    brands_doc = json.loads((directory / "brands.json").read_text(encoding="utf-8"))
    text = json.loads((directory / "text.json").read_text(encoding="utf-8"))
    size_sets = categories_doc["size_sets"]
    categories = tuple(_category(raw, size_sets) for raw in categories_doc["categories"])
    brands = {
        pool: {level: tuple(names) for level, names in levels.items()}
        for pool, levels in brands_doc.items()
        if not pool.startswith("_")
    }
    codes = [c.code for c in categories]
    if len(set(codes)) != len(codes) or len({c.slug for c in categories}) != len(categories):
        raise ValueError("demo categories need unique codes and unique leaf names")
    for spec in categories:
        unknown = set(spec.complements) - set(codes)
        if unknown or spec.pool not in brands:
            raise ValueError(f"category {spec.code}: unknown complements {unknown} or pool {spec.pool}")
    return Vocabulary(categories=categories, brands=brands, text=text)


#: Every demo category path, in catalog order.
CATEGORY_PATHS: tuple[str, ...] = tuple(c.path for c in load_vocabulary().categories)
#: Slug of every demo category; the web UI draws `/static/img/categories/<slug>.svg` for each.
CATEGORY_SLUGS: tuple[str, ...] = tuple(c.slug for c in load_vocabulary().categories)
