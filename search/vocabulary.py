"""`CatalogVocabulary`: the colours, brands, category phrases, sizes and features a catalog uses,
learned from its products, so that the parser recognises the shop's own names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from search.colors import BASE_COLORS, canonical_color, color_matches
from search.normalize import singular, tokens, word_set

if TYPE_CHECKING:
    from search.catalog import CatalogItem


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
    #: Share of products with a colour field: 0 means colour words are never filters here.
    color_coverage: float = 1.0
    #: Word pairs in which a colour word names something else ("day cream", "stainless steel"):
    #: learned from titles whose products are not of that colour.
    color_compounds: set[str] = field(default_factory=set)
    #: Singular forms of leaf category names ("laptop", "running shoe", "mug") -> leaf name: a
    #: query that is just one of these asks for that category (category intent).
    category_names: dict[str, str] = field(default_factory=dict)
    #: Brands that are also English words ("loop", "pulse") -> the words of their product titles:
    #: such a brand only counts as one when the rest of the query fits what it sells.
    brand_words: dict[str, list[str]] = field(default_factory=dict)
    #: lower-case category name (any level) -> colour words its products come in
    category_colors: dict[str, list[str]] = field(default_factory=dict)
    #: colour word -> title words of the products in that colour ("cream" -> jumper, cardigan..)
    color_title_words: dict[str, list[str]] = field(default_factory=dict)
    #: Colour words the catalog's titles also use for things that are not that colour ("cream"
    #: in "Eye Cream", "red" in "Western Red Cedar"): a colour only with evidence in the query.
    named_colors: set[str] = field(default_factory=set)

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
        coloured = sum(1 for item in items if item.colors)
        vocab.color_coverage = coloured / len(items) if items else 0.0
        if not coloured:
            vocab.colors = set()
        vocab.categories = learn_category_phrases(items, vocab)
        vocab.color_compounds = learn_color_compounds(items, vocab.colors)
        for item in items:
            if item.category:
                for form in _category_forms(item.category.lower()):
                    vocab.category_names.setdefault(form, item.category.lower())
        vocab.brand_words = _english_brand_words(items, vocab.brands)
        by_category: dict[str, set[str]] = {}
        for item in items:
            words = {w for c in item.colors for w in tokens(canonical_color(c))}
            for level in item.categories:
                by_category.setdefault(level.lower(), set()).update(words)
        vocab.category_colors = {c: sorted(w) for c, w in by_category.items() if w}
        by_color: dict[str, set[str]] = {}
        for item in items:
            title_words = {singular(w) for w in tokens(item.title) if w.isalpha()}
            for color in item.colors:
                for word in tokens(canonical_color(color)):
                    by_color.setdefault(word, set()).update(title_words)
        vocab.color_title_words = {c: sorted(w) for c, w in by_color.items()}
        vocab.named_colors = learn_named_colors(items, vocab.colors)
        return vocab

    def to_dict(self) -> dict[str, Any]:
        return {
            "colors": sorted(self.colors),
            "brands": sorted(self.brands),
            "categories": dict(sorted(self.categories.items())),
            "category_parents": self.category_parents,
            "features": sorted(self.features),
            "sizes": sorted(self.sizes),
            "color_coverage": self.color_coverage,
            "color_compounds": sorted(self.color_compounds),
            "category_names": dict(sorted(self.category_names.items())),
            "brand_words": {k: sorted(v) for k, v in sorted(self.brand_words.items())},
            "category_colors": {k: sorted(v) for k, v in sorted(self.category_colors.items())},
            "color_title_words": {k: sorted(v) for k, v in sorted(self.color_title_words.items())},
            "named_colors": sorted(self.named_colors),
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
            color_coverage=float(data.get("color_coverage", 1.0)),
            color_compounds=set(data.get("color_compounds", ())),
            category_names=dict(data.get("category_names", {})),
            brand_words={k: list(v) for k, v in data.get("brand_words", {}).items()},
            category_colors={k: list(v) for k, v in data.get("category_colors", {}).items()},
            color_title_words={k: list(v) for k, v in data.get("color_title_words", {}).items()},
            named_colors=set(data.get("named_colors", ())),
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


#: Share of a title phrase's products whose title it ends on the head noun of, for it to name a
#: category ("jacket" in "Trailhead Down Jacket, Red"; not "keep" in "Kora Keep 7 Camera Bag").
_HEAD_SHARE = 0.3
_NAME_PART = re.compile(r",| - | \(| for | with | in ")


def _head_noun(title: str, excluded: set[str]) -> str | None:
    """The last word of the title's name part (before ", Red", " for ...", " (6 person)"),
    colours, brands and stop words left out: what the product is."""
    words = [w for w in _phrase_tokens(_NAME_PART.split(title.lower())[0]) if w.isalpha() or "-" in w]
    words = [w for w in words if w not in excluded]
    return words[-1] if words else None


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
    #: How often a title phrase ends on the title's head noun; category names always count.
    heads: dict[str, int] = {}
    names: set[str] = set()
    for item in items:
        levels = [c.lower() for c in item.categories]
        phrases: set[str] = set()
        words = [w for w in _phrase_tokens(item.title) if w.isalpha() or "-" in w]
        head = _head_noun(item.title, excluded)
        for i, word in enumerate(words):
            if word in excluded:
                continue
            phrases.add(word)
            heads[word] = heads.get(word, 0) + (word == head)
            if i + 1 < len(words) and words[i + 1] not in excluded:
                phrase = f"{word} {words[i + 1]}"
                if phrase not in phrases:
                    heads[phrase] = heads.get(phrase, 0) + (words[i + 1] == head)
                phrases.add(phrase)
        for level in item.categories:
            forms = _category_forms(level.lower())
            phrases.update(forms)
            names.update(forms)
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
        if phrase not in names and heads.get(phrase, 0) < _HEAD_SHARE * total:
            # A title word that is rarely what the product is: a product line ("Kora Keep 7
            # Camera Bag", "Voltix Carry 300 Laptop Bag") or a modifier ("Long Sleeve Tee").
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


def learn_color_compounds(items: Sequence[CatalogItem], colors: set[str]) -> set[str]:
    """Word pairs with a colour word that, in the catalog's titles, name something that is not
    that colour: "day cream" (a moisturiser), "stainless steel" (a material), "rose gold" not
    (rose-gold headphones are rose gold)."""
    if not colors:
        return set()
    seen: dict[str, int] = {}
    other: dict[str, int] = {}
    for item in items:
        words = [w for w in tokens(item.title) if w.isalpha()]
        for i, word in enumerate(words):
            if word not in colors:
                continue
            pairs = []
            if i > 0 and words[i - 1] not in colors:
                pairs.append(f"{words[i - 1]} {word}")
            if i + 1 < len(words) and words[i + 1] not in colors:
                pairs.append(f"{word} {words[i + 1]}")
            differs = not color_matches(word, item.colors)
            for pair in pairs:
                seen[pair] = seen.get(pair, 0) + 1
                other[pair] = other.get(pair, 0) + differs
    return {pair for pair, n in seen.items() if n >= 2 and other[pair] >= 0.5 * n}


def learn_named_colors(items: Sequence[CatalogItem], colors: set[str]) -> set[str]:
    """Colour words that at least half of the titles using them (and two or more) apply to a
    product of another colour, or of no stated colour: the word names a thing there."""
    used: dict[str, int] = {}
    other: dict[str, int] = {}
    for item in items:
        for word in {w for w in tokens(item.title) if w in colors}:
            used[word] = used.get(word, 0) + 1
            other[word] = other.get(word, 0) + (not color_matches(word, item.colors))
    return {w for w, n in used.items() if other[w] >= 2 and other[w] >= 0.5 * n}


def _english_brand_words(items: Sequence[CatalogItem], brands: set[str]) -> dict[str, list[str]]:
    from search.spelling import english_words

    english = english_words()
    wordy = {b for b in brands if b and all(w in english for w in tokens(b))}
    words: dict[str, set[str]] = {b: set() for b in wordy}
    for item in items:
        brand = item.brand.lower()
        if brand in words:
            words[brand].update(singular(w) for w in tokens(f"{item.title} {item.category}") if w.isalpha())
    return {b: sorted(w) for b, w in words.items()}
