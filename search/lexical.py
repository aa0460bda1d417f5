"""BM25 over product text (bm25s), with our own normalisation and English stemming.

bm25s is a small, fast sparse implementation (sub-millisecond scoring at 5k products); we feed it
our own tokens so that the query side and the document side are normalised identically and codes
like "usb-c" or "sku-00042" stay whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

from search.normalize import tokens, word_set

#: English stopwords that bm25s would drop; short list on purpose ("in", "for" carry no product
#: meaning, but "no", "up" may be part of a product name so they stay).
STOPWORDS = word_set(
    """a an and are as at be by for from has have i in is it its me my of on or our so that the
    their this to was we were what which with you your please show want need looking some"""
)

_stemmer = Stemmer.Stemmer("english")

#: Bump when `analyze`, `search.normalize.tokens` or the vocabulary changes: an index built with
#: another version gets its BM25 part and vocabulary rebuilt from its items when loaded (cheap;
#: no embedding is recomputed).
LEXICAL_VERSION = 3


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)


def analyze(text: str) -> list[str]:
    """Tokens as BM25 sees them: folded, stopwords removed, stemmed (codes and numbers kept whole)."""
    return [_stem(t) if t.isalpha() else t for t in tokens(text) if t not in STOPWORDS]


class LexicalIndex:
    """BM25 scores for every product row of the index."""

    def __init__(self, retriever: bm25s.BM25, size: int) -> None:
        self.retriever = retriever
        self.size = size

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        corpus = [analyze(t) or ["\u2205"] for t in texts]
        retriever.index(corpus, show_progress=False)
        return cls(retriever, len(texts))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of each row (zeros when no query word is in the catalog)."""
        words = analyze(query)
        if not words or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.retriever.get_scores(words), dtype=np.float32)

    def knows(self, word: str) -> bool:
        return _stem(word) in self.retriever.vocab_dict or word in self.retriever.vocab_dict

    def save(self, directory: Path) -> None:
        self.retriever.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path, size: int) -> LexicalIndex:
        retriever = bm25s.BM25.load(str(directory), show_progress=False, verbosity=0)
        return cls(retriever, size)
