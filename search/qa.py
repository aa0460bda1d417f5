"""Questions about one product, answered from its structured data first, then its description.

    answer_product_question(product, "does it come in XL?")
    -> Answer("Yes, it comes in XL (3 in stock).", confident=True, source="attribute", field="sizes")

Structured answers (sizes, colours, price, stock, material, brand, rating and any attribute such as
"waterproof" or "weight_kg") are exact. Otherwise the description sentence most similar to the
question (embedding cosine) is quoted if it clears `DESCRIPTION_THRESHOLD`; below it the answer is
an honest "I don't know" with `confident=False`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from search.answers import Answer
from search.catalog import CatalogItem
from search.colors import BASE_COLORS, canonical_color, color_matches
from search.lexical import analyze
from search.normalize import normalize, word_set
from search.query import SIZE_WORDS

if TYPE_CHECKING:
    from search.embedding import Embedder
    from shop.models import Product

#: Minimum cosine between the question and a description sentence to quote it. Calibrated on
#: data/search_eval/product_questions.jsonl (answerable vs unanswerable questions).
DESCRIPTION_THRESHOLD = 0.40

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "\u20ac", "GBP": "\u00a3"}

#: Question words that point at an attribute whose name differs ("how heavy" -> weight).
ATTRIBUTE_SYNONYMS = {
    "weight": {"heavy", "weigh", "weighs", "weight", "light", "lightweight"},
    "battery": {"battery", "charge", "lasts", "last", "runtime"},
    "capacity": {"capacity", "hold", "holds", "volume", "litres", "liters", "big"},
    "warranty": {"warranty", "guarantee", "guaranteed"},
    "waterproof": {"waterproof", "water", "rain", "wet"},
    "wireless": {"wireless", "bluetooth", "cordless", "wire", "wires"},
    "dimensions": {"dimensions", "size", "big", "long", "wide", "tall", "measure"},
}
_UNIT_WORDS = {"kg", "g", "cm", "mm", "l", "ml", "in", "h", "hours", "w", "mah", "gb", "tb", "inch", "inches"}
_UNITS = {
    "kg": "kg",
    "g": "g",
    "cm": "cm",
    "mm": "mm",
    "l": "L",
    "ml": "ml",
    "h": "hours",
    "hours": "hours",
    "w": "W",
    "mah": "mAh",
    "gb": "GB",
    "tb": "TB",
    "inch": "inches",
    "inches": "inches",
    "in": "inches",
}

_SIZE_Q = re.compile(r"\bsizes?\b|\bfits?\b|\bsizing\b", re.I)
_SPECIFIC_SIZE = re.compile(
    r"\b(?:in|size|an?)\s+(xxs|xs|s|m|l|xl|xxl|xxxl|2xl|3xl|small|medium|large|extra large|\d{1,2}(?:\.5)?)\b"
    r"|\b(xxs|xs|xl|xxl|xxxl|2xl|3xl)\b",
    re.I,
)
_COLOR_Q = re.compile(r"\bcolou?rs?\b|\bshades?\b", re.I)
_PRICE_Q = re.compile(
    r"\bhow much\b(?!\s+(?:does it weigh|do they weigh))|\bprice\b|\bcosts?\b|\bexpensive\b", re.I
)
_STOCK_Q = re.compile(
    r"\bin stock\b|\bavailable\b|\bavailability\b|\bsold out\b|\bhave (?:it|any|one)\b|\bleft\b|\bin store\b",
    re.I,
)
_MATERIAL_Q = re.compile(r"\bmaterials?\b|\bmade (?:of|from|out of)\b|\bfabric\b|\bwhat is it made\b", re.I)
_BRAND_Q = re.compile(r"\bbrand\b|\bwho makes\b|\bmanufacturer\b|\bmade by\b|\bwho made\b", re.I)
_RATING_Q = re.compile(r"\bratings?\b|\breviews?\b|\bstars?\b|\brated\b", re.I)
_RETURN_Q = re.compile(r"\breturn(?:able|s|ed)?\b|\bsend (?:it )?back\b|\bfinal sale\b", re.I)
_MATERIAL_WORDS = word_set(
    """cotton wool leather polyester nylon silk linen denim cashmere steel aluminium aluminum
    plastic wood wooden glass ceramic rubber bamboo fleece suede canvas down gore-tex titanium
    merino spandex elastane acrylic"""
)


def answer_product_question(
    product: CatalogItem | Product,
    question: str,
    *,
    embedder: Embedder | None = None,
    threshold: float = DESCRIPTION_THRESHOLD,
) -> Answer:
    """Answer `question` about `product` (a `CatalogItem` or an ORM `Product` with variants)."""
    item = product if isinstance(product, CatalogItem) else CatalogItem.from_product(product)
    q = normalize(question)
    for rule in _RULES:
        answer = rule(item, q)
        if answer is not None:
            return answer
    return _from_description(item, question, embedder, threshold)


def money(item: CatalogItem) -> str:
    symbol = CURRENCY_SYMBOLS.get(item.currency)
    return f"{symbol}{item.price:.2f}" if symbol else f"{item.price:.2f} {item.currency}"


def _listing(values: list[str]) -> str:
    if len(values) <= 1:
        return "".join(values)
    return ", ".join(values[:-1]) + " and " + values[-1]


def _attribute(item: CatalogItem, text: str, name: str) -> Answer:
    return Answer(text=text, confident=True, source="attribute", field=name, score=1.0)


def _specific_size(q: str) -> str | None:
    match = _SPECIFIC_SIZE.search(q)
    if not match:
        return None
    raw = next(g for g in match.groups() if g).lower()
    return SIZE_WORDS.get(raw, raw.upper())


def _sizes(item: CatalogItem, q: str) -> Answer | None:
    wanted = (
        _specific_size(q)
        if (_SIZE_Q.search(q) or re.search(r"\bcome in\b|\bhave (?:it|one|this) in\b|\bavailable in\b", q))
        else None
    )
    if not (_SIZE_Q.search(q) or wanted):
        return None
    if not item.sizes:
        return None  # nothing structured; the description may say something
    sizes = [s.upper() for s in item.sizes]
    in_stock = [s.upper() for s in item.sizes_in_stock]
    if wanted:
        if wanted not in sizes:
            return _attribute(
                item,
                f"No, {item.title} doesn't come in {wanted}; sizes are {_listing(list(item.sizes))}.",
                "sizes",
            )
        if wanted in in_stock:
            return _attribute(item, f"Yes, {item.title} comes in {wanted}, and it's in stock.", "sizes")
        return _attribute(
            item, f"{item.title} comes in {wanted}, but {wanted} is sold out right now.", "sizes"
        )
    if _STOCK_Q.search(q):
        if not in_stock:
            return _attribute(item, f"{item.title} is sold out in every size right now.", "sizes")
        return _attribute(item, f"In stock now: {_listing(list(item.sizes_in_stock))}.", "sizes")
    text = f"{item.title} comes in {_listing(list(item.sizes))}."
    sold_out = [s for s in item.sizes if s.upper() not in in_stock]
    if sold_out and in_stock:
        text += f" Sold out at the moment: {_listing(sold_out)}."
    return _attribute(item, text, "sizes")


def _colors(item: CatalogItem, q: str) -> Answer | None:
    asked = [c for c in BASE_COLORS if re.search(rf"\b{c}\b", q)]
    if not (_COLOR_Q.search(q) or asked):
        return None
    if not item.colors:
        return None
    if asked:
        wanted = canonical_color(asked[0])
        if color_matches(wanted, item.colors):
            return _attribute(item, f"Yes, {item.title} comes in {wanted}.", "colors")
        return _attribute(
            item,
            f"No, {item.title} doesn't come in {wanted}; it comes in {_listing(list(item.colors))}.",
            "colors",
        )
    return _attribute(item, f"{item.title} comes in {_listing(list(item.colors))}.", "colors")


def _attributes(item: CatalogItem, q: str) -> Answer | None:
    words = set(re.findall(r"[a-z0-9]+", q))
    stems = set(analyze(q))
    best: tuple[int, str, Any] | None = None
    for key, value in item.attributes.items():
        if key in {"sizes", "final_sale"} or isinstance(value, dict):
            continue
        parts = [p for p in key.lower().split("_") if p not in _UNIT_WORDS]
        names = set(parts) | ATTRIBUTE_SYNONYMS.get("_".join(parts), set())
        for part in parts:
            names |= ATTRIBUTE_SYNONYMS.get(part, set())
        overlap = len(names & words) + len(set(analyze(" ".join(parts))) & stems)
        if overlap and (best is None or overlap > best[0]):
            best = (overlap, key, value)
    if best is None:
        return None
    _, key, value = best
    label = " ".join(p for p in key.split("_") if p not in _UNIT_WORDS)
    if isinstance(value, bool):
        verdict = "Yes" if value else "No"
        return _attribute(item, f"{verdict}, {item.title} is {'' if value else 'not '}{label}.", key)
    unit = next((_UNITS[p] for p in key.split("_") if p in _UNITS), "")
    shown = _listing([str(v) for v in value]) if isinstance(value, list | tuple) else str(value)
    return _attribute(item, f"The {label} of {item.title} is {shown}{' ' + unit if unit else ''}.", key)


def _material(item: CatalogItem, q: str) -> Answer | None:
    asked = [m for m in _MATERIAL_WORDS if re.search(rf"\b{re.escape(m)}\b", q)]
    if not (_MATERIAL_Q.search(q) or (asked and re.match(r"^(is|are|does|do)\b", q))):
        return None
    if not item.material:
        return None
    if asked and not _MATERIAL_Q.search(q):
        yes = any(m in item.material.lower() for m in asked)
        verdict = "Yes" if yes else "No"
        return _attribute(item, f"{verdict}, {item.title} is made of {item.material}.", "material")
    return _attribute(item, f"{item.title} is made of {item.material}.", "material")


def _brand(item: CatalogItem, q: str) -> Answer | None:
    if not _BRAND_Q.search(q):
        return None
    return _attribute(item, f"{item.title} is made by {item.brand}.", "brand")


def _rating(item: CatalogItem, q: str) -> Answer | None:
    if not _RATING_Q.search(q):
        return None
    if item.rating is None or not item.rating_count:
        return _attribute(item, f"{item.title} has no reviews yet.", "rating")
    return _attribute(
        item, f"{item.title} is rated {item.rating:.1f} out of 5 from {item.rating_count} reviews.", "rating"
    )


def _returns(item: CatalogItem, q: str) -> Answer | None:
    if not _RETURN_Q.search(q) or not item.attributes.get("final_sale"):
        return None  # the general return policy is the policy knowledge base's job
    return _attribute(item, f"{item.title} is a final-sale item, so it can't be returned.", "final_sale")


def _stock(item: CatalogItem, q: str) -> Answer | None:
    if not _STOCK_Q.search(q):
        return None
    if item.stock > 0:
        return _attribute(item, f"Yes, {item.title} is in stock ({item.stock} available).", "stock")
    return _attribute(item, f"Sorry, {item.title} is out of stock right now.", "stock")


def _price(item: CatalogItem, q: str) -> Answer | None:
    if not _PRICE_Q.search(q):
        return None
    return _attribute(item, f"{item.title} costs {money(item)}.", "price")


_RULES: list[Callable[[CatalogItem, str], Answer | None]] = [
    _returns,
    _sizes,
    _colors,
    _material,
    _attributes,
    _brand,
    _rating,
    _stock,
    _price,
]


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+|\n+", text)
    return [p.strip() for p in parts if len(p.strip()) > 3]


def _from_description(
    item: CatalogItem, question: str, embedder: Embedder | None, threshold: float
) -> Answer:
    sentences = _sentences(item.description)
    if sentences:
        if embedder is None:
            from search.embedding import shared_embedder

            embedder = shared_embedder()
        vectors = embedder.encode(sentences)
        scores = vectors @ embedder.encode_query(question)
        best = int(np.argmax(scores))
        if float(scores[best]) >= threshold:
            return Answer(
                text=sentences[best],
                confident=True,
                source="description",
                field="description",
                score=float(scores[best]),
            )
    return Answer(
        text=f"I don't know that about {item.title}, and I'd rather not guess.",
        confident=False,
        source="none",
        score=float(scores[best]) if sentences else 0.0,
    )
