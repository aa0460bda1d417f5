"""Generating the labelled set from the demo catalog's structured fields (`shopbot search
make-eval-set`): natural category phrasings, colour, brand, price forms, attributes, typos, sizes,
stock and codes, each with its relevance spec."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import asdict

from search.catalog import CatalogItem
from search.evaluation.labelled import QuerySpec
from search.normalize import singular

# --- generating the labelled set -----------------------------------------------------------------
_UNIT_TEMPLATES = {
    "screen_size_in": "{v} inch",
    "ram_gb": "{v}gb ram",
    "storage_gb": "{v}gb",
    "fits_screen_size_in": "{v} inch",
    "persons": "{v} person",
    "litres": "{v} litre",
    "capacity_ml": "{v}ml",
    "battery_hours": "{v} hour battery",
    "battery_days": "{v} day battery",
    "watts": "{v}w",
    "megapixels": "{v}mp",
    "thread_count": "{v} thread count",
    "max_kg": "{v}kg",
    "thickness_mm": "{v}mm",
    "diameter_cm": "{v}cm",
    "blade_cm": "{v}cm",
    "weight_g": "{v}g",
    "ports": "{v} port",
    "refresh_hz": "{v}hz",
    "volume_ml": "{v}ml",
}
_PRICE_FORMS = [
    ("{leaf} under {p}", "max"),
    ("{leaf} less than ${p}", "max"),
    ("{leaf} below {p} dollars", "max"),
    ("{leaf} max {p}", "max"),
    ("{leaf} for no more than ${p}", "max"),
    ("{leaf} between {lo} and {hi} dollars", "range"),
    ("{leaf} ${lo}-${hi}", "range"),
    ("{leaf} from ${lo} to ${hi}", "range"),
    ("{leaf} over ${lo}", "min"),
    ("cheap {leaf}", "cheap"),
    ("{leaf} up to {p} bucks", "max"),
    ("{leaf} at most ${p}", "max"),
]


def _leaf_phrase(category: str) -> str:
    """'Running Shoes' -> 'running shoes'; 'Laptop Sleeves & Bags' -> 'laptop sleeve'."""
    name = category.lower().split("&")[0].strip()
    words = name.split()
    return " ".join([*words[:-1], singular(words[-1])]) if len(words) > 1 else singular(name)


def _typo(word: str, rnd: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rnd.randint(1, len(word) - 2)
    kind = rnd.choice(["swap", "drop", "double", "replace"])
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    nearby = "qwertyuiopasdfghjklzxcvbnm"
    return word[:i] + rnd.choice(nearby.replace(word[i], "")) + word[i + 1 :]


def _round_price(value: float) -> int:
    step = 5 if value < 100 else 10 if value < 500 else 50
    return max(step, int(round(value / step) * step))


def generate_queries(
    items: Sequence[CatalogItem],
    *,
    vague: Sequence[QuerySpec] = (),
    natural: dict[str, list[str]] | None = None,
    seed: int = 7,
) -> list[QuerySpec]:
    """The labelled query set, from the catalog's structured fields (see module docstring)."""
    rnd = random.Random(seed)
    by_category: dict[str, list[CatalogItem]] = {}
    for item in items:
        by_category.setdefault(item.category, []).append(item)
    categories = sorted(by_category)
    specs: list[QuerySpec] = []

    def cat(c: str) -> dict[str, int]:
        return {c.lower(): 3}

    # Natural phrasings of each category (from the demo vocabulary), graded by category.
    for c in categories:
        for phrase in (natural or {}).get(c, [])[:2]:
            specs.append(QuerySpec(phrase, "category", cat(c)))
    # Colour + category.
    for c in rnd.sample(categories, k=min(25, len(categories))):
        colors = sorted({col for i in by_category[c] for col in i.colors})
        if not colors:
            continue
        color = rnd.choice(colors)
        specs.append(
            QuerySpec(
                f"{color} {_leaf_phrase(c)}", "colour", cat(c), colors=[color], expect={"colors": [color]}
            )
        )
    # Brand + category.
    for c in rnd.sample(categories, k=min(20, len(categories))):
        brand = rnd.choice(sorted({i.brand for i in by_category[c]}))
        specs.append(
            QuerySpec(
                f"{brand} {_leaf_phrase(c)}",
                "brand",
                cat(c),
                brands=[brand.lower()],
                expect={"brands": [brand.lower()]},
            )
        )
    # Price limits in the forms people write them.
    for n, c in enumerate(rnd.sample(categories, k=min(30, len(categories))) * 2):
        if n >= 30:
            break
        template, kind = _PRICE_FORMS[n % len(_PRICE_FORMS)]
        prices = sorted(float(i.price) for i in by_category[c])
        p = _round_price(prices[len(prices) // 2])
        lo, hi = _round_price(prices[len(prices) // 4]), _round_price(prices[(3 * len(prices)) // 4])
        if lo >= hi:
            hi = lo + 10
        text = template.format(leaf=_leaf_phrase(c), p=p, lo=lo, hi=hi)
        spec = QuerySpec(text, "price", cat(c))
        if kind == "max":
            spec.max_price, spec.expect = p, {"max_price": p}
        elif kind == "range":
            spec.min_price, spec.max_price, spec.expect = lo, hi, {"min_price": lo, "max_price": hi}
        elif kind == "min":
            spec.min_price, spec.expect = lo, {"min_price": lo}
        else:
            spec.cheap, spec.expect = True, {"price_preference": "low"}
        specs.append(spec)
    # Attributes: spec values and waterproofness.
    attribute_specs = 0
    for c in categories:
        if attribute_specs >= 22:
            break
        sample = by_category[c]
        keys = sorted({k for i in sample for k in i.attributes if k in _UNIT_TEMPLATES})
        if keys:
            key = rnd.choice(keys)
            value = rnd.choice(sorted({i.attributes[key] for i in sample if key in i.attributes}, key=str))
            text = f"{_UNIT_TEMPLATES[key].format(v=value)} {_leaf_phrase(c)}"
            specs.append(QuerySpec(text, "attribute", cat(c), attributes={key: value}))
            attribute_specs += 1
        if any(i.attributes.get("waterproof") is True for i in sample):
            specs.append(
                QuerySpec(
                    f"waterproof {_leaf_phrase(c)}",
                    "attribute",
                    cat(c),
                    features=["waterproof"],
                    expect={"features": ["waterproof"]},
                )
            )
            attribute_specs += 1
    # Typos in category, colour and brand queries.
    for source in rnd.sample([s for s in specs if s.kind in {"category", "colour", "brand"}], k=25):
        words = source.query.split()
        longest = max(range(len(words)), key=lambda i: len(words[i]))
        if words[longest][0].isupper():  # keep brand names intact; misspell the product word
            longest = len(words) - 1
        words[longest] = _typo(words[longest], rnd)
        typo = QuerySpec(**{**asdict(source), "query": " ".join(words), "kind": "typo", "expect": None})
        specs.append(typo)
    # Sizes and stock.
    sized = [c for c in categories if any(i.sizes for i in by_category[c])]
    for c in rnd.sample(sized, k=min(6, len(sized))):
        size = rnd.choice(sorted({s for i in by_category[c] for s in i.sizes}))
        specs.append(
            QuerySpec(
                f"{_leaf_phrase(c)} in size {size}",
                "size",
                cat(c),
                sizes=[size.upper()],
                expect={"sizes": [size.upper()]},
            )
        )
    for c in rnd.sample(categories, k=4):
        specs.append(
            QuerySpec(
                f"{_leaf_phrase(c)} in stock", "stock", cat(c), in_stock=True, expect={"in_stock": True}
            )
        )
    # Codes: exact SKUs and brand + model names from titles.
    for item in rnd.sample(list(items), k=6):
        specs.append(QuerySpec(item.sku.lower() if rnd.random() < 0.5 else item.sku, "code", skus=[item.sku]))
    for item in rnd.sample(list(items), k=6):
        words = item.title.split()
        fragment = " ".join(words[1:3]).rstrip(",")
        if not re.search(r"[A-Za-z]", fragment):
            continue
        specs.append(
            QuerySpec(
                f"{item.brand} {fragment}",
                "code",
                cat(item.category),
                brands=[item.brand.lower()],
                title_contains=fragment.lower(),
            )
        )
    specs.extend(vague)
    return specs
