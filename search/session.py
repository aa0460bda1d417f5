"""A shopper's ongoing search, refined turn by turn ("cheaper", "in red", "show more",
"more like the second one"), never showing the same product twice.

`SearchSession` is plain data: `to_dict()`/`from_dict()` round-trip through JSON so a dialogue
can keep it in a slot between turns. `ProductSearch.search(text, session=s)` reads it, decides
whether the text refines the current search or starts a new one, and updates it in place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from search.constraints import Constraints
from search.normalize import FILLER_WORDS, normalize, word_set
from search.query import ParsedQuery

_ORDINALS = {
    "first": 0,
    "1st": 0,
    "second": 1,
    "2nd": 1,
    "third": 2,
    "3rd": 2,
    "fourth": 3,
    "4th": 3,
    "fifth": 4,
    "5th": 4,
    "sixth": 5,
    "6th": 5,
    "seventh": 6,
    "7th": 6,
    "eighth": 7,
    "8th": 7,
    "ninth": 8,
    "9th": 8,
    "tenth": 9,
    "10th": 9,
    "last": -1,
}
_REFERENCE = re.compile(
    r"\b(?:the\s+)?(" + "|".join(_ORDINALS) + r")\b(?:\s+(?:one|item|product|option))?"
    r"|(?:#|\bnumber\s+|\bno\.?\s*|\boption\s+|\bitem\s+)(\d{1,2})\b"
    r"|\b(that|this|the same)\s+one\b",
    re.I,
)
_MORE = re.compile(
    r"\b(?:show|see|give|list)?\s*(?:me\s+)?(?:some\s+)?(?:more|others?|next)\b(?!\s+(?:like|similar|expensive))"
    r"(?:\s+(?:ones?|options?|results?|items?|please|page))?"
    r"|\b(?:other|different)\s+(?:ones|options|choices|products)\b|\banything else\b|\bwhat else\b",
    re.I,
)
_CHEAPER = re.compile(
    r"\b(?:cheaper|less expensive|lower[- ]priced|lower price|more affordable|less costly|"
    r"not so expensive|too expensive|too pricey)\b",
    re.I,
)
_PRICIER = re.compile(
    r"\b(?:more expensive|pricier|higher[- ]end|fancier|more premium|better quality)\b", re.I
)
_SIMILAR = re.compile(
    r"\b(?:(?:more|something|anything|others?|ones?|items?)\s+)?"
    r"(?:like|similar(?:\s+to)?|resembling|close to)\b",
    re.I,
)
_CUE_WORDS = word_set("but instead rather then though ones one version versions please now same also")


@dataclass(frozen=True)
class FollowUp:
    """What a refinement asks for, relative to the session's last page."""

    more: bool = False
    cheaper: bool = False
    pricier: bool = False
    similar: bool = False
    #: 0-based position on the last page ("the second one" -> 1; "the last one" -> -1).
    reference: int | None = None
    #: Constraints the text states (colour, size, price, brand, stock); merged over the session's.
    constraints: Constraints = field(default_factory=Constraints)


@dataclass
class SearchSession:
    """State of one shopper's search; JSON-serialisable."""

    #: Retrieval text of the current search (after constraint phrases were removed).
    query: str = ""
    constraints: Constraints = field(default_factory=Constraints)
    #: Set while browsing "more like" a product.
    similar_to: int | None = None
    #: Every product shown in this search, in order (never shown again).
    shown: list[int] = field(default_factory=list)
    #: Products of the most recent page, in display order ("the second one" refers here).
    last_page: list[int] = field(default_factory=list)
    #: Pages shown so far in this search.
    pages: int = 0

    @property
    def active(self) -> bool:
        return bool(
            self.query or self.similar_to is not None or not self.constraints.is_empty or self.last_page
        )

    def start(self, query: str, constraints: Constraints) -> None:
        """Forget everything and begin a new search."""
        self.query, self.constraints, self.similar_to = query, constraints, None
        self.shown, self.last_page, self.pages = [], [], 0

    def record(self, page: list[int]) -> None:
        self.last_page = list(page)
        self.shown.extend(p for p in page if p not in self.shown)
        self.pages += 1

    def excluded(self, follow_up: str) -> set[int]:
        """Products a follow-up must not show again.

        "show more", "cheaper", "pricier" and "more like ..." page on, so nothing shown in this
        search comes back. A narrowing refinement ("in black", "size M", "under 50") asks the
        same question with more said: a product already seen that fits it is an answer, not a
        repeat ("got those in black?" shows the black pair from the first page).
        """
        return set() if follow_up == "refine" else set(self.shown)

    def referenced(self, position: int) -> int | None:
        """Product id at a position of the last page (negative counts from the end), if any."""
        if not self.last_page:
            return None
        try:
            return self.last_page[position]
        except IndexError:
            return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "constraints": self.constraints.to_dict(),
            "similar_to": self.similar_to,
            "shown": list(self.shown),
            "last_page": list(self.last_page),
            "pages": self.pages,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> SearchSession:
        if not data:
            return cls()
        return cls(
            query=data.get("query", ""),
            constraints=Constraints.from_dict(data.get("constraints") or {}),
            similar_to=data.get("similar_to"),
            shown=[int(p) for p in data.get("shown") or ()],
            last_page=[int(p) for p in data.get("last_page") or ()],
            pages=int(data.get("pages") or 0),
        )


def parse_follow_up(text: str, parsed: ParsedQuery, session: SearchSession) -> FollowUp | None:
    """The refinement `text` asks for, or None when it starts a new search.

    A text refines the current search when it uses a refinement cue ("more", "cheaper", "like the
    second one") or only states constraints ("in red", "size M", "under 40"). Naming a category
    ("red shoes") or any other content word starts a new search.
    """
    if not session.active:
        return None
    lowered = normalize(text)
    reference = None
    ref_match = _REFERENCE.search(lowered)
    if ref_match:
        if ref_match.group(1):
            reference = _ORDINALS[ref_match.group(1).lower()]
        elif ref_match.group(2):
            reference = int(ref_match.group(2)) - 1
        else:
            reference = 0 if len(session.last_page) == 1 or session.similar_to is None else None
            if reference is None and session.last_page:
                reference = 0
    cheaper = bool(_CHEAPER.search(lowered))
    pricier = bool(_PRICIER.search(lowered)) and not cheaper
    similar = bool(_SIMILAR.search(lowered)) and reference is not None
    more = bool(_MORE.search(lowered)) and not similar and not pricier
    constraints = parsed.constraints
    if constraints.price_preference == "high" and pricier:
        constraints = Constraints.from_dict({**constraints.to_dict(), "price_preference": None})

    # Whatever is left after removing cues and constraint words must be empty for a refinement.
    leftover = parsed.remainder
    for pattern in (_REFERENCE, _MORE, _CHEAPER, _PRICIER, _SIMILAR):
        leftover = pattern.sub(" ", leftover)
    named = {*constraints.colors, *constraints.brands, *constraints.features}
    words = [
        w
        for w in re.findall(r"[a-z0-9]+", leftover)
        if w not in FILLER_WORDS and w not in _CUE_WORDS and not _names(w, named)
    ]
    has_cue = more or cheaper or pricier or similar or reference is not None
    if constraints.categories and not (similar or more):
        return None
    if words and not (similar and reference is not None):
        return None
    if not has_cue and constraints.is_empty:
        return None
    return FollowUp(
        more=more,
        cheaper=cheaper,
        pricier=pricier,
        similar=similar,
        reference=reference,
        constraints=constraints,
    )


def _names(word: str, named: set[str]) -> bool:
    return any(word in phrase.replace("_", " ").split() for phrase in named)
