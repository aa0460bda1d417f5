"""Typo tolerance: query words that the catalog does not know are replaced by the closest
catalog word (Levenshtein distance 1, or 2 for long words), preferring frequent words.

Numbers and codes ("x200", "sku-00042") are never changed, and nor are words the shopper might
mean literally (short words, words in the query-language list below).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

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


class SpellingCorrector:
    def __init__(self, frequencies: Mapping[str, int], *, dictionary: Iterable[str] = ()) -> None:
        self.frequencies = dict(frequencies)
        self._choices = [w for w in self.frequencies if len(w) >= 3 and w.isalpha()]
        #: Real words that are left alone even though the catalog lacks them ("lover" must not
        #: become "love"). Short ones are not protected: "t-shit" should still become "t-shirt".
        self.dictionary = {w for w in dictionary if len(w) >= 5}

    def protect(self, words: Iterable[str]) -> None:
        self.dictionary |= {w for w in words if len(w) >= 5}

    @classmethod
    def from_texts(cls, texts: Iterable[str], extra_words: Iterable[str] = ()) -> SpellingCorrector:
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(t for t in tokens(text) if t.isalpha())
        for word in extra_words:
            counts[word] += 1
        return cls(counts)

    def correct_word(self, word: str) -> str:
        if (
            len(word) < 4
            or not word.isalpha()
            or looks_like_code(word)
            or word in self.frequencies
            or word in QUERY_WORDS
            or word in self.dictionary
        ):
            return word
        max_distance = 1 if len(word) <= 5 else 2
        candidates = process.extract(
            word, self._choices, scorer=Levenshtein.distance, score_cutoff=max_distance, limit=8
        )
        if not candidates:
            return word
        # Closest first, then the most frequent catalog word.
        best = min(candidates, key=lambda c: (c[1], -self.frequencies[c[0]], c[0]))
        return best[0]

    def correct(self, text: str) -> str:
        """The text with unknown words replaced; everything else (numbers, symbols) untouched."""
        return re.sub(r"[a-z]+", lambda m: self.correct_word(m.group(0)), text)


def model_vocabulary_words(model_path: str) -> set[str]:
    """Whole English words of the embedding model's WordPiece vocabulary (a free, offline dictionary)."""
    from pathlib import Path

    vocab = Path(model_path) / "vocab.txt"
    if not vocab.exists():
        return set()
    return {w for w in vocab.read_text(encoding="utf-8").split() if w.isalpha() and w.islower()}
