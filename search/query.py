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
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from search.colors import COLOR_SYNONYMS, canonical_color, color_matches
from search.constraints import Constraints
from search.normalize import FILLER_WORDS, normalize, singular
from search.vocabulary import CatalogVocabulary

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
    r"at most|max(?:imum)?|up to|upto|within|no higher than|not over|<=?|budget(?: of| is)?|"
    # A negated "over" caps the price ("nothing over 150 bucks", "don't want to spend more than 80").
    r"(?:nothing|not|no|never)\s+(?:over|above|more than|higher than|pricier than)|"
    r"(?:don'?t|do not|doesn'?t|does not|won'?t|can'?t|cannot)\s+(?:want to\s+|wanna\s+)?"
    r"(?:spend|pay|go|cost)\s+(?:over|above|more than)"
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
class ParsedQuery:
    """The result of `QueryParser.parse`."""

    #: The shopper's text as given.
    text: str
    #: Normalised text after typo correction (equal to the normalised input when nothing changed).
    corrected: str
    #: What goes to retrieval: the corrected text minus price, size and stock phrases.
    remainder: str
    constraints: Constraints


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
        self._color_re = (
            _phrase_regex(vocabulary.colors | set(COLOR_SYNONYMS)) if vocabulary.color_coverage > 0 else None
        )
        #: Every title word of a coloured product: a word outside it names nothing this shop sells.
        self._title_words = {w for words in vocabulary.color_title_words.values() for w in words}
        #: Colour words that also name things in this catalog ("cream" in "day cream").
        self._ambiguous = vocabulary.named_colors | {
            w for pair in vocabulary.color_compounds for w in pair.split() if w in vocabulary.colors
        }
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
        brands = self._brands(work, taken)
        colors = self._colors(work, taken)
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

    def _brands(self, text: str, taken: list[tuple[int, int]]) -> list[str]:
        """Brand names; one that is also an English word ("loop", "pulse") only when the rest of the
        query fits its products ("pulse headphones", not "pulse watch" when Pulse sells no watch)."""
        if self._brand_re is None:
            return []
        found: list[str] = []
        for match in self._brand_re.finditer(text):
            if _overlaps(match.span(), taken):
                continue
            brand = match.group(1).lower()
            sells = self.vocabulary.brand_words.get(brand)
            if sells is not None:
                rest = _content_words(text[: match.start()] + " " + text[match.end() :])
                if not rest or any(singular(w) not in sells for w in rest if w.isalpha()):
                    continue
            taken.append(match.span())
            found.append(brand)
        return found

    def _colors(self, text: str, taken: list[tuple[int, int]]) -> list[str]:
        """Colour words used as colours, decided from the catalog and the word's role.

        After "in", "colour" or another colour a colour word is a colour. Otherwise it names
        something else, and is left to retrieval, when it is part of a catalog compound ("day
        cream", "stainless steel"), follows a measure ("1/2 copper pipe") or a modifier ("eye
        cream", "ice cream maker", "antique bronze"), or when the product the query names does
        not come in that colour ("cream for my face"), or another word follows that names no
        product ("red cedar", "green bay packers").
        """
        if self._color_re is None:
            return []
        found: list[str] = []
        for match in self._color_re.finditer(text):
            if _overlaps(match.span(), taken):
                continue
            word = match.group(1).lower()
            if self._is_colour(word, text[: match.start()], text[match.end() :]):
                taken.append(match.span())
                found.append(canonical_color(word))
        return found

    def _is_colour(self, word: str, left: str, right: str) -> bool:
        vocab = self.vocabulary
        before = re.findall(r"[a-z0-9/.#-]+", left)
        prev = before[-1] if before else ""
        if prev in _COLOUR_CUES or canonical_color(prev) in vocab.colors:
            return True
        after = [w for w in re.findall(r"[a-z0-9/.#-]+", right)]
        if f"{prev} {word.split()[0]}" in vocab.color_compounds:
            return False
        if after and f"{word.split()[-1]} {after[0]}" in vocab.color_compounds:
            return False
        if prev and (re.search(r"\d", prev) or (prev not in FILLER_WORDS and not self._product(prev))):
            return False
        content = [w for w in after if w not in FILLER_WORDS and canonical_color(w) not in vocab.colors]
        named: set[str] = set()
        naming: set[str] = set()
        for i, w in enumerate(content):
            for phrase in (f"{w} {content[i + 1]}" if i + 1 < len(content) else "", w):
                category = self._product(phrase) if phrase else None
                if category:
                    named.add(category)
                    naming.update(phrase.split())
        colour = canonical_color(word).split()[-1]
        in_colour = set(vocab.color_title_words.get(colour, ()))
        nxt = after[0] if after else ""
        if (
            named
            and in_colour
            and nxt in content
            and nxt not in naming
            and singular(nxt) not in in_colour
            and not any(color_matches(colour, vocab.category_colors.get(c, ())) for c in named)
        ):
            # The colour qualifies the next word, which names no product, no title of that colour
            # uses, and the named product never comes in that colour: "green tea mug", "olive oil
            # pan" (no green mug, no olive pan). "red down jacket" stays red.
            return False
        if named:
            # A colour word the catalog never uses as a name is a colour even where that product
            # does not come in it ("blue running shoes" when none is blue: the filter says so).
            if colour not in self._ambiguous:
                return True
            return any(color_matches(colour, vocab.category_colors.get(c, ())) for c in named)
        # No product noun the catalog knows: a colour when nothing follows ("rose gold"), when
        # products of that colour are called what follows ("cream jumper", not "red cedar"), or
        # when no title uses what follows ("navy backpack" in a shop without backpacks: the
        # colour is still what the shopper asked for).
        known = [w for w in content if w.isalpha() and singular(w) in self._title_words]
        if not content or any(singular(w) in in_colour for w in content):
            return True
        return not known and word.split()[-1] not in self._ambiguous

    def _product(self, phrase: str) -> str | None:
        """The category a product noun names in this catalog ("jacket", "running shoes"), if any."""
        form = " ".join(singular(w) for w in phrase.split())
        return self.vocabulary.categories.get(form) or self.vocabulary.category_names.get(form)

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


#: Words after which a colour word is a colour ("in red", "colour navy", "red or blue").
_COLOUR_CUES = frozenset(
    {"in", "colour", "color", "coloured", "colored", "or", "and", ",", "a", "an", "the", "got"}
)


def _content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", text) if w not in FILLER_WORDS and not w.isdigit()]
