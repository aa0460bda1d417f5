"""Turning what a shopper says ("the second one", "the sleeve", a button) into the thing they mean.

This is about understanding chat text, not about shop rules, so it lives with the actions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_ORDINAL_WORDS = {
    "first": 1,
    "1st": 1,
    "one": 1,
    "second": 2,
    "2nd": 2,
    "two": 2,
    "third": 3,
    "3rd": 3,
    "three": 3,
    "fourth": 4,
    "4th": 4,
    "four": 4,
    "fifth": 5,
    "5th": 5,
    "five": 5,
    "sixth": 6,
    "6th": 6,
    "last": -1,
}
_POSITION = re.compile(
    r"\b(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|sixth|6th|last)\b"
    r"|(?:#|\bnumber\s*|\bno\.?\s*|\bitem\s*|\boption\s*)(\d{1,2})\b"
    r"|^\s*(\d{1,2})\s*$",
    re.I,
)
_WORDS = re.compile(r"[a-z0-9]+")
_STOP = {"the", "a", "an", "one", "my", "that", "this", "it", "item", "please", "i", "want", "to", "return"}


def position(text: str | None) -> int | None:
    """1-based position a text names ("the second one" -> 2, "#3" -> 3, "last" -> -1), or None.

    Also accepts an ordinal entity value after synonym mapping ("2", "-1").
    """
    if text is None:
        return None
    value = str(text).strip().lower()
    if re.fullmatch(r"-?\d{1,2}", value):
        number = int(value)
        return number if number != 0 else None
    if value in _ORDINAL_WORDS:
        return _ORDINAL_WORDS[value]
    match = _POSITION.search(value)
    if not match:
        return None
    if match.group(1):
        return _ORDINAL_WORDS[match.group(1).lower()]
    return int(match.group(2) or match.group(3)) or None


def pick(items: Sequence[int], pos: int | None) -> int | None:
    """The item at a 1-based position (-1 = last), if the list has it."""
    if pos is None or not items:
        return None
    if pos == -1:
        return items[-1]
    return items[pos - 1] if 1 <= pos <= len(items) else None


def best_title_match(text: str, titles: Sequence[str]) -> int | None:
    """Index of the one title that shares the most words with `text` ("the sleeve"), if unambiguous."""
    words = {w for w in _WORDS.findall(text.lower()) if w not in _STOP}
    if not words:
        return None
    scores = []
    for title in titles:
        title_words = set(_WORDS.findall(title.lower()))
        # "sleeves" should match "Sleeve": compare on a crude stem.
        stems = {w.rstrip("s") for w in title_words}
        scores.append(sum(1 for w in words if w in title_words or w.rstrip("s") in stems))
    best = max(scores, default=0)
    if best == 0 or scores.count(best) > 1:
        return None
    return scores.index(best)
