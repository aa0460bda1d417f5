"""Typo tolerance that never breaks a word the shopper meant.

A query word is left alone when the catalog uses it, when it is a real English word (a frequency
list shipped by the `pyspellchecker` package: "sell" must never become "well", "lover" never
"love"), when it belongs to the query language ("under", "cheaper"), or when it is a number or a
code. Otherwise:

1. an abbreviation ("refrig." or "refrig") that starts exactly one frequent catalog word family
   becomes that word ("refrigerator"), never an edit-distance neighbour ("keurig");
2. else the closest catalog word by Levenshtein distance (1, or 2 for words of six letters or
   more) that starts with the same letter, the most frequent catalog word winning ties;
3. a hyphenated word the catalog lacks ("t-shit") is corrected as a whole against the catalog's
   hyphenated words ("t-shirt").
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from search.normalize import FILLER_WORDS, looks_like_code, tokens, word_set

#: Words of the query language itself that must never be "corrected" into catalog words.
QUERY_WORDS = FILLER_WORDS | word_set(
    """under below above over less more than between cheap cheaper cheapest expensive budget
    affordable dollars dollar bucks euros pounds price priced cost costs max maximum min minimum
    around about stock available size sizes color colour colors colours what how much does come
    waterproof second third first fourth fifth last similar other others next page many much
    made material from upto up least most something gift gifts present kids men women mens
    womens him her who when where why which"""
)
#: An English word at least this frequent in the word list counts as a real word. Rarer entries
#: of the list are mostly misspellings and fragments ("shoos" is there, 50 times).
ENGLISH_MIN_FREQUENCY = 100
_ABBREVIATION_MIN = 4


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Lower-case English words from pyspellchecker's bundled frequency list (offline)."""
    from importlib.resources import files

    data = files("spellchecker").joinpath("resources/en.json.gz").read_bytes()
    frequencies: dict[str, int] = json.loads(gzip.decompress(data))
    return frozenset(w for w, n in frequencies.items() if n >= ENGLISH_MIN_FREQUENCY and w.isalpha())


class SpellingCorrector:
    def __init__(
        self,
        frequencies: Mapping[str, int],
        *,
        dictionary: Iterable[str] = (),
        english: frozenset[str] | None = None,
    ) -> None:
        self.frequencies = dict(frequencies)
        self._choices = [w for w in self.frequencies if len(w) >= 3 and w.isalpha()]
        self._hyphenated = [w for w in self.frequencies if "-" in w and len(w) >= 4]
        #: "tshirt" -> "t-shirt": hyphenated catalog words written without the hyphen.
        self._joined = {w.replace("-", ""): w for w in self._hyphenated}
        #: Extra real words protected beside the English list (the embedding model's vocabulary).
        self.dictionary = {w for w in dictionary if len(w) >= 5}
        self.english = english_words() if english is None else english

    def protect(self, words: Iterable[str]) -> None:
        self.dictionary |= {w for w in words if len(w) >= 5}

    @classmethod
    def from_texts(cls, texts: Iterable[str], extra_words: Iterable[str] = ()) -> SpellingCorrector:
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(t for t in tokens(text) if t.isalpha() or _is_hyphenated_word(t))
        for word in extra_words:
            counts[word] += 1
        return cls(counts)

    def is_known(self, word: str) -> bool:
        return (
            word in self.frequencies or word in QUERY_WORDS or word in self.english or word in self.dictionary
        )

    def correct_word(self, word: str, *, abbreviated: bool = False) -> str:
        if len(word) < 4 or not word.isalpha() or looks_like_code(word) or self.is_known(word):
            return word
        if word in self._joined:
            return self._joined[word]
        expanded = self._expand(word, abbreviated=abbreviated)
        if expanded:
            return expanded
        max_distance = 1 if len(word) <= 5 else 2
        candidates = process.extract(
            word, self._choices, scorer=Levenshtein.distance, score_cutoff=max_distance, limit=12
        )
        candidates = [c for c in candidates if c[0][0] == word[0]]
        if not candidates:
            return word
        # Closest first, then the most frequent catalog word.
        best = min(candidates, key=lambda c: (c[1], -self.frequencies[c[0]], c[0]))
        return best[0]

    def _expand(self, word: str, *, abbreviated: bool) -> str | None:
        """The catalog word an abbreviation stands for, when one family of words starts with it."""
        if len(word) < _ABBREVIATION_MIN:
            return None
        longer = [w for w in self._choices if w.startswith(word) and len(w) > len(word)]
        if not longer:
            return None
        best = max(longer, key=lambda w: (self.frequencies[w], -len(w)))
        # "refrig" -> refrigerator(s): accept when the most frequent expansion dominates, or the
        # shopper marked the abbreviation with a full stop.
        total = sum(self.frequencies[w] for w in longer)
        if abbreviated or self.frequencies[best] >= 0.6 * total:
            return best
        return None

    def _correct_hyphenated(self, word: str) -> str:
        if word in self.frequencies or not self._hyphenated:
            return word
        found = process.extractOne(word, self._hyphenated, scorer=Levenshtein.distance, score_cutoff=1)
        return found[0] if found else word

    def correct(self, text: str) -> str:
        """The text with unknown words replaced; everything else (numbers, symbols) untouched."""
        text = re.sub(
            r"(?<![\w-])[a-z]+(?:-[a-z]+)+(?![\w-])", lambda m: self._correct_hyphenated(m.group(0)), text
        )

        def fix(match: re.Match[str]) -> str:
            word = match.group(0)
            if (
                "-" in text[max(0, match.start() - 1) : match.start()]
                or text[match.end() : match.end() + 1] == "-"
            ):
                return word  # part of a hyphenated word, handled above
            abbreviated = text[match.end() : match.end() + 1] == "."
            return self.correct_word(word, abbreviated=abbreviated)

        return re.sub(r"[a-z]+", fix, text)


def _is_hyphenated_word(token: str) -> bool:
    return "-" in token and all(part.isalpha() for part in token.split("-"))


def model_vocabulary_words(model_path: str) -> set[str]:
    """Whole English words of the embedding model's WordPiece vocabulary (a free, offline dictionary)."""
    from pathlib import Path

    vocab = Path(model_path) / "vocab.txt"
    if not vocab.exists():
        return set()
    return {w for w in vocab.read_text(encoding="utf-8").split() if w.isalpha() and w.islower()}
