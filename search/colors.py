"""Colour words: the base list, families ("blue" also finds navy) and synonyms ("gray")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from search.normalize import word_set

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
