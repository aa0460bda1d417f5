"""Product catalog of the demo shop: titles, descriptions, prices, attributes, variants.

Products are drawn from the vocabulary in `data/demo/`. Each product also gets hidden
traits that the shopper simulation (`shop.demo.shoppers`) uses: a popularity and a
latent style vector. They are never stored; a recommender has to rediscover them.
"""

from __future__ import annotations

import math
import random
import re
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np

from shop.demo.vocabulary import PRICE_LEVELS, CategorySpec, Vocabulary

#: Relative price of a product by the price level of its brand.
PRICE_LEVEL_FACTOR = (0.6, 1.0, 1.75)
#: Share of products per price level.
PRICE_LEVEL_SHARE = (0.35, 0.45, 0.20)
#: Dimension of the hidden style vectors of products and shoppers.
STYLE_DIMENSIONS = 6

_PLURAL_CONTAINERS = {
    "Boots": "pair of",
    "Shoes": "pair of",
    "Socks": "pair of",
    "Jeans": "pair of",
    "Beans": "bag of",
    "Coffee": "bag of",
}
_GENDER_LABELS = {"men": "Men's", "women": "Women's", "unisex": "Unisex"}


@dataclass
class CatalogDraft:
    """Rows to insert plus the hidden per-product traits, indexed by position (id - 1)."""

    products: list[dict[str, Any]] = field(default_factory=list)
    variants: list[dict[str, Any]] = field(default_factory=list)
    #: Variant ids of each product, in size order.
    variant_ids: list[list[int]] = field(default_factory=list)
    category_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    level: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    popularity: np.ndarray = field(default_factory=lambda: np.zeros(0))
    style: np.ndarray = field(default_factory=lambda: np.zeros((0, STYLE_DIMENSIONS)))
    price: np.ndarray = field(default_factory=lambda: np.zeros(0))
    #: Index range [start, end) of each category's products (products are grouped by category).
    category_range: list[tuple[int, int]] = field(default_factory=list)

    def brand(self, index: int) -> str:
        return self.products[index]["brand"]


def _title_case(words: str) -> str:
    small = {"and", "or", "of", "with", "for"}
    return " ".join(w if w in small else w[:1].upper() + w[1:] for w in words.split(" "))


def _article(words: str) -> str:
    return "an" if words[:1].lower() in "aeiou" else "a"


def _words(text: str) -> set[str]:
    return set(re.split(r"[\s-]+", text.lower()))


def _fitting_adjectives(spec: CategorySpec, noun: str, waterproof: bool) -> list[str]:
    """Adjectives that neither repeat the noun ("Rugged Rugged Case") nor promise a missing feature."""
    fitting = [
        a for a in spec.adjectives if not (_words(a) & _words(noun)) and (waterproof or "water" not in a)
    ]
    return fitting or [a for a in spec.adjectives if waterproof or "water" not in a]


def _describable_noun(noun: str) -> str:
    """ "Hiking Boots" -> "pair of hiking boots", so "a waterproof pair of ..." reads well."""
    last = noun.split(" ")[-1]
    container = _PLURAL_CONTAINERS.get(last)
    if container is None and last.endswith("s") and not last.endswith("ss"):
        container = "set of"
    # Lower-case ordinary words but keep "5G", "USB-C", "LED", "2-in-1" as written.
    lowered = " ".join(
        w if w.isupper() or any(c.isdigit() for c in w) else w.lower() for w in noun.split(" ")
    )
    return f"{container} {lowered}" if container else lowered


def _model_name(rnd: random.Random, base: str) -> str:
    suffix = rnd.choice(["", " {n}", " {n} Pro", " X{n}", " Lite", " Plus", " {n}00", " Max", " {n}s"])
    return base + suffix.format(n=rnd.randint(2, 9))


def _price(rnd: random.Random, spec: CategorySpec, level: int, spec_values: dict[str, Any]) -> Decimal:
    low, high = spec.price
    base = math.exp(rnd.uniform(math.log(low), math.log(high)))
    # Bigger numbers (more storage, more persons, more watts) cost more.
    factor = 1.0
    for key, options in spec.specs.items():
        numeric = [o for o in options if isinstance(o, int | float)]
        if len(numeric) > 1 and spec_values.get(key) in numeric:
            rank = sorted(numeric).index(spec_values[key]) / (len(numeric) - 1)
            factor *= 1.0 + 0.3 * (rank - 0.5)
    value = base * PRICE_LEVEL_FACTOR[level] * factor * math.exp(rnd.gauss(0.0, 0.08))
    if value < 10:
        return Decimal(f"{max(value, 3.0):.1f}") - Decimal("0.01")
    if level == 2 and rnd.random() < 0.3:
        return Decimal(int(round(value, -1)) or 10)
    return Decimal(int(value)) + Decimal("0.99")


def _sizes(rnd: random.Random, spec: CategorySpec) -> list[str]:
    sizes = list(spec.sizes)
    if len(sizes) > 3 and rnd.random() < 0.3:
        start = rnd.randint(0, len(sizes) - 3)
        sizes = sizes[start : rnd.randint(start + 3, len(sizes))]
    return sizes


def _description(
    rnd: random.Random,
    text: dict[str, Any],
    values: dict[str, str],
    *,
    level: str,
    waterproof: bool,
    sizes: list[str],
) -> str:
    opener = rnd.choice(text["openers"]).format(**values)
    middle = [rnd.choice(text["feature_sentences"]).format(**values)]
    if values.get("material") and rnd.random() < 0.75:
        middle.append(rnd.choice(text["material_sentences"]).format(**values))
    if waterproof:
        middle.append(rnd.choice(text["waterproof_sentences"]))
    if values.get("color") and rnd.random() < 0.4:
        middle.append(rnd.choice(text["color_sentences"]).format(**values))
    if sizes and rnd.random() < 0.6:
        joined = ", ".join(sizes[:-1]) + f" and {sizes[-1]}" if len(sizes) > 1 else sizes[0]
        middle.append(rnd.choice(text["size_sentences"]).format(sizes=joined))
    rnd.shuffle(middle)
    closing = [rnd.choice(text["closers"][level])] if rnd.random() < 0.8 else []
    return " ".join([opener, *middle, *closing])


def _title(rnd: random.Random, spec: CategorySpec, values: dict[str, str]) -> str:
    usable = [
        pattern
        for pattern in spec.titles
        if all(values.get(name) for _, name, _, _ in string.Formatter().parse(pattern) if name)
    ]
    return rnd.choice(usable).format(**values)


def _stock(rnd: random.Random) -> int:
    if rnd.random() < 0.08:
        return 0
    return int(rnd.lognormvariate(2.6, 0.8))


def allocate(total: int, weights: list[float], minimum: int) -> list[int]:
    """Split `total` into integer parts proportional to `weights` (largest remainder), each >= minimum."""
    share = np.asarray(weights) / sum(weights)
    spare = total - minimum * len(weights)
    if spare < 0:
        raise ValueError(f"{total} products cannot give {minimum} to each of {len(weights)} categories")
    exact = share * spare
    counts = np.floor(exact).astype(int)
    for index in np.argsort(-(exact - counts), kind="stable")[: spare - counts.sum()]:
        counts[index] += 1
    return [int(c) + minimum for c in counts]


def build_catalog(
    vocabulary: Vocabulary,
    *,
    products: int,
    currency: str,
    now: datetime,
    rnd: random.Random,
    rng: np.random.Generator,
) -> CatalogDraft:
    draft = CatalogDraft()
    text = vocabulary.text
    counts = allocate(products, [c.weight for c in vocabulary.categories], minimum=6)
    category_index: list[int] = []
    levels: list[int] = []
    prices: list[float] = []
    variant_id = 0
    for c_index, (spec, count) in enumerate(zip(vocabulary.categories, counts, strict=True)):
        start = len(draft.products)
        for number in range(1, count + 1):
            product_id = len(draft.products) + 1
            level = int(rng.choice(3, p=PRICE_LEVEL_SHARE))
            brand = rnd.choice(vocabulary.brands[spec.pool][PRICE_LEVELS[level]])
            spec_values = {key: rnd.choice(options) for key, options in spec.specs.items()}
            waterproof = spec.waterproof is not None and rnd.random() < spec.waterproof
            noun = rnd.choice(spec.nouns)
            adjective = rnd.choice(_fitting_adjectives(spec, noun, waterproof))
            features = rnd.sample(spec.features, k=min(3, len(spec.features)))
            color = rnd.choice(spec.colors) if spec.colors else None
            material = rnd.choice(spec.materials) if spec.materials else None
            gender = spec_values.get("gender")
            values: dict[str, str] = {
                "brand": brand,
                "model": _model_name(rnd, rnd.choice(spec.models)),
                "noun": noun,
                "noun_lower": _describable_noun(noun),
                "adj": adjective,
                "a_adj": f"{_article(adjective)} {adjective}",
                "A_adj": f"{_article(adjective).capitalize()} {adjective}",
                "color_lower": (color or "").lower(),
                "use": rnd.choice(spec.uses),
                "color": color or "",
                "material": material or "",
                "gender_label": _GENDER_LABELS.get(str(gender), ""),
                **{f"feature_{i + 1}": f for i, f in enumerate(features)},
                **{key: str(value) for key, value in spec_values.items()},
            }
            title_values = {**values, "adj": _title_case(adjective), "material": _title_case(material or "")}
            title = " ".join(_title(rnd, spec, title_values).split())
            sizes = _sizes(rnd, spec)
            price = _price(rnd, spec, level, spec_values)
            popularity = rng.normal(0.0, 1.0)
            rating_count = 0 if rnd.random() < 0.05 else int(rnd.lognormvariate(3.0 + 0.5 * popularity, 1.0))
            rating = (
                None
                if rating_count == 0
                else round(min(5.0, max(2.5, rnd.gauss(3.95 + 0.2 * level + 0.15 * popularity, 0.35))), 1)
            )
            attributes: dict[str, Any] = {"price_level": PRICE_LEVELS[level], **spec_values}
            if sizes:
                attributes["sizes"] = sizes
            if spec.waterproof is not None:
                attributes["waterproof"] = waterproof
            if rnd.random() < spec.final_sale:
                attributes["final_sale"] = True
            created = now - timedelta(days=rnd.uniform(30, 720))
            sku = f"{spec.code}-{number:05d}"
            draft.products.append(
                {
                    "id": product_id,
                    "sku": sku,
                    "title": title,
                    "description": _description(
                        rnd, text, values, level=PRICE_LEVELS[level], waterproof=waterproof, sizes=sizes
                    ),
                    "category_path": spec.path,
                    "brand": brand,
                    "price": price,
                    "currency": currency,
                    "color": color,
                    "material": material,
                    "attributes": attributes,
                    "rating": rating,
                    "rating_count": rating_count,
                    "image_url": spec.image_url,
                    "active": rnd.random() > 0.01,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            sold_out = rnd.random() < 0.05
            ids: list[int] = []
            for size in sizes or [None]:
                variant_id += 1
                ids.append(variant_id)
                draft.variants.append(
                    {
                        "id": variant_id,
                        "product_id": product_id,
                        "sku": f"{sku}-{size}" if size else f"{sku}-STD",
                        "size": size,
                        "color": color,
                        "stock": 0 if sold_out else _stock(rnd),
                    }
                )
            draft.variant_ids.append(ids)
            category_index.append(c_index)
            levels.append(level)
            prices.append(float(price))
        draft.category_range.append((start, len(draft.products)))
    n = len(draft.products)
    draft.category_index = np.asarray(category_index, dtype=np.int64)
    draft.level = np.asarray(levels, dtype=np.int64)
    draft.price = np.asarray(prices)
    draft.popularity = np.asarray(
        [0.35 * math.log1p(p["rating_count"]) + (0.3 * (p["rating"] or 3.5)) for p in draft.products]
    )
    draft.popularity = draft.popularity - draft.popularity.mean() + rng.normal(0.0, 0.5, size=n)
    draft.style = rng.normal(0.0, 1.0, size=(n, STYLE_DIMENSIONS)) / math.sqrt(STYLE_DIMENSIONS)
    return draft
