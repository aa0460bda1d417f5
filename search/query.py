"""Query understanding: typed hard constraints out of free text, the rest left for retrieval.

"red waterproof jacket under $120 in XL" becomes
`Constraints(max_price=120, colors=("red",), sizes=("XL",), categories=("jackets",),
features=("waterproof",))` with the remainder "red waterproof jacket" going to retrieval.
Constraints are applied as filters, so a stated price limit is never violated. Words that name a
colour, brand or category stay in the remainder (they help ranking); price, size and stock phrases
are removed (they only add noise).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Literal

from search.normalize import normalize, singular, tokens, word_set

if TYPE_CHECKING:
    from search.catalog import CatalogItem

PricePreference = Literal["low", "high"]

#: Colour words understood even when no product has them (so "in mauve" filters to nothing
#: rather than being ignored). Catalog colours are added to these.
BASE_COLORS = word_set(
    """black white grey gray red blue navy green yellow orange pink purple violet brown beige
    silver gold teal olive maroon burgundy tan cream khaki charcoal turquoise ivory lavender
    mint coral rose bronze copper multicolor multicolour transparent clear"""
)
#: A query colour also accepts products of a colour in its family ("blue" finds "navy").
COLOR_FAMILIES: Mapping[str, frozenset[str]] = {
    "blue": frozenset({"navy", "teal", "turquoise"}),
    "red": frozenset({"burgundy", "maroon", "coral"}),
    "grey": frozenset({"charcoal", "silver"}),
    "green": frozenset({"olive", "mint", "teal"}),
    "brown": frozenset({"tan", "beige", "khaki", "bronze", "copper"}),
    "white": frozenset({"ivory", "cream"}),
    "purple": frozenset({"violet", "lavender"}),
    "pink": frozenset({"rose", "coral"}),
}
COLOR_SYNONYMS = {"gray": "grey", "multicolour": "multicolor", "clear": "transparent"}

#: Spoken and written letter sizes, mapped to the catalog's notation.
SIZE_WORDS = {
    "xxs": "XXS",
    "xs": "XS",
    "extra small": "XS",
    "x-small": "XS",
    "small": "S",
    "s": "S",
    "medium": "M",
    "m": "M",
    "large": "L",
    "l": "L",
    "xl": "XL",
    "x-large": "XL",
    "x large": "XL",
    "extra large": "XL",
    "xxl": "XXL",
    "2xl": "XXL",
    "xx-large": "XXL",
    "extra extra large": "XXL",
    "xxxl": "XXXL",
    "3xl": "XXXL",
}
#: Letter sizes that are unambiguous on their own ("jacket xl"); the others need "size" or "in".
_BARE_SIZES = ("xxs", "xs", "xl", "xxl", "2xl", "xxxl", "3xl", "x-large", "xx-large", "extra large")

_CHEAP_WORDS = r"cheap|cheapest|inexpensive|budget|affordable|low[- ]cost|bargain|economical"
_PRICEY_WORDS = r"expensive|premium|luxury|high[- ]end|top[- ]of[- ]the[- ]line"
_IN_STOCK = (
    r"in[- ]stock|available (?:now|today|right now)|currently available|ready to ship|"
    r"ships? (?:today|now|immediately)|not sold out|on hand"
)

_CUR_BEFORE = r"(?:[$\u20ac\u00a3]|usd|eur|gbp)\s*"
_CUR_AFTER = r"\s*(?:\$|dollars?|bucks|usd|euros?|eur|pounds?|gbp|quid|\u20ac|\u00a3)"
_NUM = r"(\d{1,7}(?:[.,]\d{1,2})?)(k\b)?"
_AMOUNT = rf"(?:{_CUR_BEFORE})?{_NUM}(?:{_CUR_AFTER})?"
_AMOUNT_WITH_CUR = rf"(?:{_CUR_BEFORE}{_NUM}(?:{_CUR_AFTER})?|{_NUM}{_CUR_AFTER})"

_MAX_WORDS = (
    r"under|below|beneath|less than|lower than|cheaper than|no more than|not more than|"
    r"at most|max(?:imum)?|up to|upto|within|no higher than|not over|<=?|budget(?: of| is)?"
)
_MIN_WORDS = r"over|above|more than|greater than|at least|min(?:imum)?|starting at|from|>=?"

_PRICE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "range",
        re.compile(rf"\bbetween\s+{_AMOUNT}\s+(?:and|to|-)\s+{_AMOUNT}", re.I),
    ),
    (
        "range",
        re.compile(rf"\bfrom\s+{_AMOUNT}\s+(?:to|-|up to)\s+{_AMOUNT}", re.I),
    ),
    (
        "range",
        re.compile(rf"(?:{_CUR_BEFORE}){_NUM}\s*(?:-|to)\s*(?:{_CUR_BEFORE})?{_NUM}(?:{_CUR_AFTER})?", re.I),
    ),
    ("range", re.compile(rf"\b{_NUM}\s*(?:-|to)\s*{_NUM}{_CUR_AFTER}", re.I)),
    ("around", re.compile(rf"\b(?:around|about|approximately|roughly|~)\s*{_AMOUNT}", re.I)),
    ("max", re.compile(rf"(?:\b|(?=[<]))(?:{_MAX_WORDS})\s*{_AMOUNT}", re.I)),
    (
        "max",
        re.compile(
            rf"{_AMOUNT_WITH_CUR}\s+(?:or less|or under|or below|and under|max(?:imum)?|tops)\b", re.I
        ),
    ),
    ("max", re.compile(rf"\b{_NUM}\s+(?:or less|and under|or under|max)\b", re.I)),
    ("min", re.compile(rf"(?:\b|(?=[>]))(?:{_MIN_WORDS})\s*{_AMOUNT_WITH_CUR}", re.I)),
    ("min", re.compile(rf"(?:\b|(?=[>]))(?:over|above|more than|at least)\s*{_AMOUNT}", re.I)),
    ("min", re.compile(rf"{_AMOUNT_WITH_CUR}\s+(?:or more|and up|and above|plus|\+)", re.I)),
    # A bare amount with a currency ("jacket $80") is read as the shopper's budget.
    ("max", re.compile(rf"(?<![\w.]){_AMOUNT_WITH_CUR}(?![\w.])", re.I)),
]


def _amount(number: str, thousands: str | None) -> Decimal | None:
    try:
        value = Decimal(number.replace(",", "."))
    except InvalidOperation:
        return None
    return value * 1000 if thousands else value


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


def canonical_color(color: str) -> str:
    color = color.strip().lower()
    return COLOR_SYNONYMS.get(color, color)


def color_matches(wanted: str, colors: Iterable[str]) -> bool:
    """ "blue" matches "blue", "navy blue", "light blue" and the family ("navy")."""
    wanted = canonical_color(wanted)
    family = COLOR_FAMILIES.get(wanted, frozenset())
    for color in colors:
        words = [canonical_color(w) for w in color.replace("-", " ").split()]
        if wanted in words or family.intersection(words) or canonical_color(color) == wanted:
            return True
    return False


@dataclass(frozen=True)
class ParsedQuery:
    """The result of `QueryParser.parse`."""

    #: The shopper's text as given.
    text: str
    #: Normalised text after typo correction (equal to the normalised input when nothing changed).
    corrected: str
    #: What goes to retrieval: the corrected text minus price, size and stock phrases.
    remainder: str
    constraints: Constraints


@dataclass
class CatalogVocabulary:
    """Names the parser recognises, collected from the catalog (plus common colour words)."""

    colors: set[str] = field(default_factory=lambda: set(BASE_COLORS))
    #: lower-case brand names (multi-word brands allowed)
    brands: set[str] = field(default_factory=set)
    #: phrase (singular tokens joined by spaces: "running shoe", "jacket") -> lower-case category
    #: name (any level). Learned from the catalog: see `learn_category_phrases`.
    categories: dict[str, str] = field(default_factory=dict)
    #: lower-case category name -> names of its ancestors
    category_parents: dict[str, list[str]] = field(default_factory=dict)
    #: boolean attribute names that are true for at least one product ("waterproof")
    features: set[str] = field(default_factory=set)
    #: catalog sizes in upper case ("XL", "42")
    sizes: set[str] = field(default_factory=set)

    @classmethod
    def from_items(cls, items: Iterable[CatalogItem]) -> CatalogVocabulary:
        items = list(items)
        vocab = cls()
        for item in items:
            vocab.colors.update(canonical_color(c) for c in item.colors)
            vocab.brands.add(item.brand.lower())
            levels = [c.lower() for c in item.categories]
            for depth, level in enumerate(levels):
                parents = vocab.category_parents.setdefault(level, [])
                parents.extend(p for p in levels[:depth] if p not in parents and p != level)
            vocab.features.update(k.lower() for k, v in item.attributes.items() if v is True)
            vocab.sizes.update(s.upper() for s in item.sizes)
        vocab.features.discard("final_sale")
        vocab.categories = learn_category_phrases(items, vocab)
        return vocab

    def to_dict(self) -> dict[str, Any]:
        return {
            "colors": sorted(self.colors),
            "brands": sorted(self.brands),
            "categories": dict(sorted(self.categories.items())),
            "category_parents": self.category_parents,
            "features": sorted(self.features),
            "sizes": sorted(self.sizes),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CatalogVocabulary:
        return cls(
            colors=set(data["colors"]),
            brands=set(data["brands"]),
            categories=dict(data["categories"]),
            category_parents={k: list(v) for k, v in data.get("category_parents", {}).items()},
            features=set(data["features"]),
            sizes=set(data["sizes"]),
        )

    def words(self) -> set[str]:
        """Every single word the vocabulary knows (for typo correction)."""
        out: set[str] = set()
        for phrase in [*self.colors, *self.brands, *self.categories, *self.category_parents, *self.features]:
            out.update(tokens(phrase.replace("_", " ")))
        return out


#: A phrase names a category when at least this share of the products whose title (or category
#: name) contains it belong to that category, and at least `_MIN_SUPPORT` products do.
_DISTINCTIVE_SHARE = 0.95
_MIN_SUPPORT = 3
_PHRASE_STOPWORDS = word_set(
    """a an and the for with of in on to by x pro max plus lite mini new set pack pair inch in
    cm mm kg gb tb ml hz w men women mens womens men's women's unisex kids"""
)


def _phrase_tokens(text: str) -> list[str]:
    return [singular(t) for t in tokens(text.replace("&", " and "))]


def learn_category_phrases(items: Sequence[CatalogItem], vocab: CatalogVocabulary) -> dict[str, str]:
    """Phrases of one or two words (and category names) that pick out one category.

    "jacket" is a category term if (nearly) every product called a jacket is in Jackets; "laptop"
    is not when laptop sleeves exist too, so "laptop bag" does not filter to Laptops. A phrase is
    mapped to the deepest category that holds at least 95% of its products.
    """
    excluded = set(_PHRASE_STOPWORDS)
    for color in vocab.colors:
        excluded.update(tokens(color))
    for brand in vocab.brands:
        excluded.update(tokens(brand))
    support: dict[str, dict[str, int]] = {}
    totals: dict[str, int] = {}
    for item in items:
        levels = [c.lower() for c in item.categories]
        phrases: set[str] = set()
        words = [w for w in _phrase_tokens(item.title) if w.isalpha() or "-" in w]
        for i, word in enumerate(words):
            if word in excluded:
                continue
            phrases.add(word)
            if i + 1 < len(words) and words[i + 1] not in excluded:
                phrases.add(f"{word} {words[i + 1]}")
        for level in item.categories:
            phrases.update(_category_forms(level.lower()))
        for phrase in phrases:
            totals[phrase] = totals.get(phrase, 0) + 1
            counts = support.setdefault(phrase, {})
            for level in levels:
                counts[level] = counts.get(level, 0) + 1
    depth = {name: len(parents) for name, parents in vocab.category_parents.items()}
    learned: dict[str, str] = {}
    for phrase, total in totals.items():
        if total < _MIN_SUPPORT or not re.search(r"[a-z]", phrase):
            continue
        holders = [level for level, count in support[phrase].items() if count >= _DISTINCTIVE_SHARE * total]
        if holders:
            learned[phrase] = max(holders, key=lambda level: depth.get(level, 0))
    return learned


def _category_forms(name: str) -> set[str]:
    """Token-normalised forms of a category name: "laptop sleeves & bags" -> {"laptop sleeve and
    bag", "laptop sleeve", "laptop bag", ...}; "t-shirts" -> {"t-shirt"}."""
    forms = {" ".join(_phrase_tokens(name))}
    parts = [p.strip() for p in re.split(r"&| and |,", name) if p.strip()]
    if len(parts) > 1:
        first = _phrase_tokens(parts[0])
        modifier = first[:-1]
        for part in parts:
            words = _phrase_tokens(part)
            forms.add(" ".join(words))
            if len(words) == 1 and modifier:
                forms.add(" ".join([*modifier, *words]))
    return {f for f in forms if f}


_SIZE_PHRASE = re.compile(
    r"\b(?:in\s+(?:a\s+)?)?size\s+(\d{1,2}(?:[.,]5)?|[a-z0-9-]+(?: large| small)?)\b"
    r"|\bin\s+(?:an?\s+)?(xxs|xs|s|m|l|xl|xxl|xxxl|2xl|3xl|small|medium|large|extra large|x-large)\b"
    r"|\b(" + "|".join(re.escape(s) for s in _BARE_SIZES) + r")\b",
    re.I,
)
_STOCK_PHRASE = re.compile(rf"\b(?:{_IN_STOCK})\b", re.I)
_CHEAP = re.compile(rf"\b(?:{_CHEAP_WORDS})\b", re.I)
_PRICEY = re.compile(rf"\b(?:{_PRICEY_WORDS})\b", re.I)


class QueryParser:
    """Extracts `Constraints` from a query; recognises the catalog's own names."""

    def __init__(self, vocabulary: CatalogVocabulary, *, corrector: Any | None = None) -> None:
        self.vocabulary = vocabulary
        #: Optional `search.spelling.SpellingCorrector`; applied before parsing.
        self.corrector = corrector
        self._brand_re = _phrase_regex(vocabulary.brands)
        self._color_re = _phrase_regex(vocabulary.colors | set(COLOR_SYNONYMS))
        self._feature_re = _phrase_regex(
            {f for f in vocabulary.features} | {f.replace("_", " ") for f in vocabulary.features}
        )

    def parse(self, text: str) -> ParsedQuery:
        corrected = normalize(text)
        if self.corrector is not None:
            corrected = self.corrector.correct(corrected)
        work = corrected
        removed: list[tuple[int, int]] = []

        min_price, max_price, preference = None, None, None
        for kind, pattern in _PRICE_PATTERNS:
            for match in pattern.finditer(work):
                if _overlaps(match.span(), removed):
                    continue
                numbers = _numbers(match)
                if not numbers:
                    continue
                if kind == "range" and len(numbers) == 2:
                    lo, hi = sorted(numbers)
                    min_price, max_price = lo, hi
                elif kind == "around":
                    min_price = (numbers[0] * Decimal("0.8")).quantize(Decimal("0.01"))
                    max_price = (numbers[0] * Decimal("1.2")).quantize(Decimal("0.01"))
                elif kind == "max":
                    max_price = numbers[0] if max_price is None else min(max_price, numbers[0])
                elif kind == "min":
                    min_price = numbers[0] if min_price is None else max(min_price, numbers[0])
                removed.append(match.span())
        if max_price is None and min_price is None:
            if _CHEAP.search(work):
                preference = "low"
            elif _PRICEY.search(work):
                preference = "high"
        for match in _CHEAP.finditer(work):
            removed.append(match.span())

        in_stock = False
        for match in _STOCK_PHRASE.finditer(work):
            if not _overlaps(match.span(), removed):
                in_stock = True
                removed.append(match.span())

        sizes: list[str] = []
        for match in _SIZE_PHRASE.finditer(work):
            if _overlaps(match.span(), removed):
                continue
            raw = next(g for g in match.groups() if g)
            size = SIZE_WORDS.get(raw.lower(), raw.upper().replace(",", "."))
            if size in SIZE_WORDS.values() or size in self.vocabulary.sizes or re.fullmatch(r"[\d.]+", size):
                sizes.append(size)
                removed.append(match.span())

        taken: list[tuple[int, int]] = list(removed)
        brands = _find(self._brand_re, work, taken)
        colors = [canonical_color(c) for c in _find(self._color_re, work, taken)]
        features = [f.replace(" ", "_") for f in _find(self._feature_re, work, taken)]
        categories = self._categories(work, taken)

        remainder = _remove_spans(work, removed)
        return ParsedQuery(
            text=text,
            corrected=corrected,
            remainder=remainder,
            constraints=Constraints(
                min_price=min_price,
                max_price=max_price,
                price_preference=preference,
                colors=tuple(dict.fromkeys(colors)),
                sizes=tuple(dict.fromkeys(sizes)),
                brands=tuple(dict.fromkeys(brands)),
                categories=tuple(dict.fromkeys(categories)),
                in_stock=in_stock,
                features=tuple(dict.fromkeys(features)),
            ),
        )

    def _categories(self, text: str, taken: list[tuple[int, int]]) -> list[str]:
        """Category phrases (longest first, up to four words), most specific category kept."""
        spans = [
            (m.start(), m.end(), singular(m.group(0)))
            for m in re.finditer(r"[a-z0-9]+(?:-[a-z0-9]+)*", text)
            if not _overlaps(m.span(), taken)
        ]
        found: list[str] = []
        i = 0
        while i < len(spans):
            for width in (4, 3, 2, 1):
                window = spans[i : i + width]
                if len(window) < width:
                    continue
                phrase = " ".join(w for _, _, w in window)
                if phrase == "and" or phrase not in self.vocabulary.categories:
                    continue
                found.append(self.vocabulary.categories[phrase])
                taken.append((window[0][0], window[-1][1]))
                i += width
                break
            else:
                i += 1
        # "coffee mug" may name both Coffee and Mugs & Cups: keep the more specific one.
        ancestors = {a for c in found for a in self.vocabulary.category_parents.get(c, [])}
        return [c for c in dict.fromkeys(found) if c not in ancestors]


def _numbers(match: re.Match[str]) -> list[Decimal]:
    groups = match.groups()
    out: list[Decimal] = []
    i = 0
    while i < len(groups):
        number = groups[i]
        if number is not None and re.fullmatch(r"\d{1,7}(?:[.,]\d{1,2})?", number):
            thousands = groups[i + 1] if i + 1 < len(groups) else None
            value = _amount(number, thousands if thousands and thousands.lower() == "k" else None)
            if value is not None:
                out.append(value)
            i += 2
        else:
            i += 1
    return out


def _phrase_regex(phrases: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted({p for p in phrases if p}, key=len, reverse=True)
    if not ordered:
        return None
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(p) for p in ordered) + r")(?![\w-])", re.I)


def _find(pattern: re.Pattern[str] | None, text: str, taken: list[tuple[int, int]]) -> list[str]:
    """Non-overlapping matches (longest phrase first wins), recording their spans in `taken`."""
    if pattern is None:
        return []
    found: list[str] = []
    for match in pattern.finditer(text):
        if _overlaps(match.span(), taken):
            continue
        taken.append(match.span())
        found.append(match.group(1).lower())
    return found


def _overlaps(span: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in spans)


def _remove_spans(text: str, spans: list[tuple[int, int]]) -> str:
    keep = [ch if not any(s <= i < e for s, e in spans) else " " for i, ch in enumerate(text)]
    out = re.sub(r"\s+", " ", "".join(keep)).strip()
    # Dangling connectors left behind by a removed phrase ("jacket for hiking and").
    return re.sub(r"(?:\s+\b(?:and|or|for|with|in|at|of|priced|costing|that|is|are)\b)+$", "", out).strip()


def with_price_limit(constraints: Constraints, *, max_price: Decimal | None) -> Constraints:
    """A copy whose upper price limit is the tighter of the existing one and `max_price`."""
    if max_price is None:
        return constraints
    current = constraints.max_price
    return replace(constraints, max_price=max_price if current is None else min(current, max_price))
