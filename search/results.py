"""What a search returns (`SearchHit`, `SearchResult`) and how its rankings are fused
(`FusionWeights`); plain data shared by the engine, the CLI and the evaluation."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from search.constraints import Constraints

Mode = Literal["hybrid", "lexical", "dense"]
#: `(customer_id, candidate product ids) -> {product_id: score}`; higher means more relevant to
#: this shopper. Supplied by the recommender; products it leaves out get no boost.
PersonalScores = Callable[[int, Sequence[int]], Mapping[int, float]]


@dataclass(frozen=True)
class FusionWeights:
    """Weighted reciprocal rank fusion: score = sum(weight / (rrf_k + rank))."""

    lexical: float = 1.0
    dense: float = 1.0
    rrf_k: float = 60.0
    #: Weight of the personal ranking (only for a known shopper with a score provider).
    personal: float = 0.3
    #: Candidates taken from each ranking before fusion.
    depth: int = 200
    #: Multiplies the dense weight when the query holds numbers or codes ("16gb", "x200"):
    #: embeddings barely tell 13 from 16 inches, BM25 matches them exactly.
    numeric_dense_factor: float = 1.0
    #: Weight of the title ranking: products whose title (with its category) holds every query
    #: word, by BM25 ("engineers tape measure" -> the engineer's tapes, not any tape measure).
    title: float = 0.0


#: Tuned on the dev halves of the hand-written realistic query sets over three catalog shapes
#: (bench/search_realistic.py --tune, BENCHMARKS.md), never on the generated set.
DEFAULT_FUSION = FusionWeights(lexical=1.0, dense=1.5, rrf_k=60.0, numeric_dense_factor=0.25, title=0.5)
#: Cosine above which two products with the same title count as copies on the first page.
#: Products of one line ("... 36 in. x 24 in. Window Well", "... 40 in. x 24 in. ...") differ in
#: their titles and are never demoted: all of them may be what the shopper wants.
NEAR_COPY_COSINE = 0.95
#: "cheap" keeps the cheapest third of the matching products, "premium" the dearest third.
CHEAP_QUANTILE = 1 / 3


@dataclass(frozen=True)
class SearchHit:
    product_id: int
    sku: str
    title: str
    brand: str
    category: str
    price: Decimal
    currency: str
    color: str | None
    in_stock: bool
    image_url: str | None
    rating: float | None
    score: float
    #: Which rankings found it: subset of {"lexical", "dense", "code", "similar", "popular"}.
    matched_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchResult:
    #: The shopper's text as given.
    query: str
    hits: list[SearchHit]
    #: Constraints actually applied (a "cheap" or "cheaper" request shows up as its price limit).
    constraints: Constraints
    #: Products matching the constraints that were not shown before (hits are the best of them).
    total: int
    #: The query after typo correction, when that changed it.
    corrected: str | None = None
    #: "more", "cheaper", "pricier", "similar" or "refine" when the text refined the session's
    #: search; None for a new search.
    follow_up: str | None = None
    #: The product a "more like ..." search is anchored on.
    similar_to: int | None = None
    remainder: str = ""
    warnings: list[str] = field(default_factory=list)
    #: Constraints that only ranked, because the catalog does not fill that field for the
    #: candidates ("colors" in a catalog without colours).
    soft_constraints: tuple[str, ...] = ()
