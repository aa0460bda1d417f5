"""`ProductSearch`: hybrid product search with hard constraints, refinement and diversity.

    search = ProductSearch.load()              # once per process: reads the built index
    result = search.search("waterproof jacket for hiking under $120", k=5)
    result.hits          # list[SearchHit], best first; every hit satisfies result.constraints
    result.constraints   # Constraints(max_price=Decimal("120"), categories=("jackets",), ...)

    session = SearchSession()                  # keep session.to_dict() in a dialogue slot
    search.search("rain jacket", session=session)
    search.search("cheaper", session=session)  # below the cheapest shown, nothing shown twice
    search.search("more like the second one", session=session)

Ranking: the query is parsed into constraints (price and stock always filter, so a price limit is
never violated; other fields filter only where the catalog fills them, `search.filters`) and a
remainder. The remainder is scored by BM25, by embedding cosine and by a title ranking (products
whose title holds every query word); the rankings are fused with weighted reciprocal rank fusion
(`search.results.DEFAULT_FUSION`, chosen on the dev halves of the hand-written realistic sets,
`search.evaluation.realistic`). Product codes in the query go first. A shopper's
personal scores (a callable the recommender supplies) add a small rank-based boost. The first page
is de-duplicated: a product nearly identical to one already on the page moves down.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from pathlib import Path
from typing import Literal

import numpy as np

from search.catalog import CatalogItem, item_text
from search.constraints import Constraints
from search.embedding import Embedder, shared_embedder
from search.filters import FilterColumns
from search.index import IndexFiles, assemble, load_index
from search.lexical import analyze
from search.normalize import FILLER_WORDS, looks_like_code, normalize, singular, tokens
from search.query import ParsedQuery, QueryParser
from search.results import (
    CHEAP_QUANTILE,
    DEFAULT_FUSION,
    NEAR_COPY_COSINE,
    FusionWeights,
    Mode,
    PersonalScores,
    SearchHit,
    SearchResult,
)
from search.session import FollowUp, SearchSession, parse_follow_up
from search.spelling import model_vocabulary_words

log = logging.getLogger(__name__)

#: Hits, results and fusion weights live in `search.results`; they are re-exported here.
__all__ = [
    "DEFAULT_FUSION",
    "FusionWeights",
    "Mode",
    "PersonalScores",
    "ProductSearch",
    "SearchHit",
    "SearchResult",
]


class ProductSearch:
    """Loaded once per process; `search()` is thread-safe for concurrent readers."""

    def __init__(
        self,
        index: IndexFiles,
        *,
        embedder: Embedder | None = None,
        personal_scores: PersonalScores | None = None,
        fusion: FusionWeights = DEFAULT_FUSION,
    ) -> None:
        self.index = index
        self.items = index.items
        self.embedder = embedder or shared_embedder(index.manifest.get("model_path") or None)
        self.personal_scores = personal_scores
        self.fusion = fusion
        index.corrector.protect(model_vocabulary_words(self.embedder.model_path))
        self.parser = QueryParser(index.vocabulary, corrector=index.corrector)
        self.filters = FilterColumns(self.items)
        self._titles = [_title_terms(item) for item in self.items]
        self._row = {item.id: row for row, item in enumerate(self.items)}
        self._codes = _code_lookup(self.items)
        counts = np.fromiter((i.rating_count for i in self.items), dtype=np.float64, count=len(self.items))
        ratings = np.fromiter((i.rating or 0.0 for i in self.items), dtype=np.float64, count=len(self.items))
        # Bayesian average: a 5-star product with two reviews does not beat 4.6 stars from 300.
        self._prior = (ratings * counts + 3.5 * 20) / (counts + 20) + np.log1p(counts) * 0.01

    # --- construction -----------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        index_dir: Path | None = None,
        *,
        embedder: Embedder | None = None,
        personal_scores: PersonalScores | None = None,
    ) -> ProductSearch:
        """Load the index built by `shopbot search build` (raises `IndexMissing` if there is none)."""
        return cls(load_index(index_dir), embedder=embedder, personal_scores=personal_scores)

    @classmethod
    def from_items(
        cls,
        items: Iterable[CatalogItem],
        *,
        embedder: Embedder | None = None,
        vectors: np.ndarray | None = None,
        backend: Literal["auto", "exact", "hnsw"] = "auto",
        personal_scores: PersonalScores | None = None,
        fusion: FusionWeights = DEFAULT_FUSION,
    ) -> ProductSearch:
        """An in-memory index (tests, benchmarks); encodes the items unless `vectors` are given."""
        items = list(items)
        embedder = embedder or shared_embedder()
        if vectors is None:
            vectors = embedder.encode([item_text(i) for i in items])
        return cls(
            assemble(items, vectors, backend=backend),
            embedder=embedder,
            personal_scores=personal_scores,
            fusion=fusion,
        )

    # --- lookups ----------------------------------------------------------------------------
    def item(self, product_id: int) -> CatalogItem | None:
        row = self._row.get(product_id)
        return None if row is None else self.items[row]

    def parse(self, query: str) -> ParsedQuery:
        return self.parser.parse(query)

    def __len__(self) -> int:
        return len(self.items)

    # --- search -----------------------------------------------------------------------------
    def search(
        self,
        query: str,
        k: int = 10,
        *,
        customer_id: int | None = None,
        session: SearchSession | None = None,
        mode: Mode = "hybrid",
        constraints: Constraints | None = None,
        diversify: bool = True,
    ) -> SearchResult:
        """Best `k` products for `query` that satisfy every constraint.

        `session`, when given, is read and updated in place: a refinement ("cheaper", "in red",
        "show more", "more like the second one") builds on its last search and never repeats a
        product it already showed; any other text starts a new search in it. `constraints`
        adds filters chosen outside the text (e.g. from buttons); stated text wins on conflict.
        `mode` selects lexical-only or dense-only ranking (evaluation).
        """
        k = max(1, int(k))
        parsed = self.parser.parse(query)
        follow = parse_follow_up(query, parsed, session) if session is not None else None
        warnings: list[str] = []
        like_rows: list[int] = []
        if follow is not None and session is not None:
            text, applied, similar_to, label = self._apply_follow_up(follow, session)
            exclude = session.excluded(label)
            first_page = label == "refine"
            if not text.strip() and similar_to is None:
                # Cards that did not come from a text search (recommendations): refine around them.
                like_rows = [self._row[p] for p in session.last_page if p in self._row]
        else:
            applied = (constraints or Constraints()).merged(parsed.constraints)
            text, similar_to, label = parsed.remainder, None, None
            exclude = set()
            first_page = True
            if session is not None:
                session.start(text, applied)
        hits, applied, total, soft = self._rank(
            text,
            applied,
            k,
            exclude=exclude,
            similar_to=similar_to,
            customer_id=customer_id,
            mode=mode,
            diversify=diversify and first_page,
            like_rows=like_rows,
        )
        if session is not None:
            session.query, session.constraints, session.similar_to = text, applied, similar_to
            session.record([h.product_id for h in hits])
        corrected = parsed.corrected if parsed.corrected != normalize(query) else None
        if corrected and corrected == re.sub(r"\s+", " ", query.lower()).strip():
            corrected = None
        return SearchResult(
            query=query,
            hits=hits,
            constraints=applied,
            total=total,
            corrected=corrected,
            follow_up=label,
            similar_to=similar_to,
            remainder=text,
            warnings=warnings,
            soft_constraints=soft,
        )

    def similar(
        self,
        product_id: int,
        k: int = 10,
        *,
        constraints: Constraints | None = None,
        exclude: Iterable[int] = (),
    ) -> list[SearchHit]:
        """Products most like `product_id` (by embedding) that satisfy `constraints`."""
        hits, _, _, _ = self._rank(
            "",
            constraints or Constraints(),
            k,
            exclude=set(exclude),
            similar_to=product_id,
            customer_id=None,
            mode="dense",
            diversify=False,
        )
        return hits

    # --- internals ----------------------------------------------------------------------------
    def _apply_follow_up(
        self, follow: FollowUp, session: SearchSession
    ) -> tuple[str, Constraints, int | None, str]:
        applied = session.constraints.merged(follow.constraints)
        # A newly stated price replaces the old one instead of being intersected with it.
        ref_id = session.referenced(follow.reference) if follow.reference is not None else None
        ref_item = self.item(ref_id) if ref_id is not None else None
        shown = [self.item(p) for p in session.last_page]
        shown_prices = [i.price for i in shown if i is not None]
        similar_to = session.similar_to
        label = "refine"
        if follow.similar or (ref_item is not None and not (follow.cheaper or follow.pricier)):
            similar_to = ref_item.id if ref_item is not None else similar_to
            label = "similar"
        if follow.cheaper and follow.constraints.max_price is None:
            anchor = ref_item.price if ref_item is not None else min(shown_prices, default=None)
            if anchor is not None:
                limit = (anchor - Decimal("0.01")).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
                current = applied.max_price
                applied = replace(applied, max_price=limit if current is None else min(current, limit))
            label = "cheaper" if label == "refine" else label
        if follow.pricier and follow.constraints.min_price is None:
            anchor = ref_item.price if ref_item is not None else max(shown_prices, default=None)
            if anchor is not None:
                limit = (anchor + Decimal("0.01")).quantize(Decimal("0.01"), rounding=ROUND_UP)
                current = applied.min_price
                applied = replace(applied, min_price=limit if current is None else max(current, limit))
            label = "pricier" if label == "refine" else label
        if label == "refine" and follow.more and follow.constraints.is_empty:
            label = "more"
        if similar_to is not None and label not in {"similar"}:
            # Refining a "more like" search keeps its anchor.
            pass
        return session.query, applied, similar_to, label

    def _rank(
        self,
        text: str,
        constraints: Constraints,
        k: int,
        *,
        exclude: set[int],
        similar_to: int | None,
        customer_id: int | None,
        mode: Mode,
        diversify: bool,
        like_rows: Sequence[int] = (),
    ) -> tuple[list[SearchHit], Constraints, int, tuple[str, ...]]:
        mask, soft = self.filters.apply(constraints)
        constraints, mask = self._resolve_price_preference(constraints, mask)
        anchor_row = self._row.get(similar_to) if similar_to is not None else None
        for product_id in exclude | ({similar_to} if similar_to is not None else set()):
            row = self._row.get(product_id)
            if row is not None:
                mask[row] = False
        total = int(mask.sum())
        if total == 0:
            return [], constraints, 0, soft
        depth = max(self.fusion.depth, 3 * k)
        rankings: dict[str, np.ndarray] = {}
        if anchor_row is not None or like_rows:
            if anchor_row is not None:
                anchor = self.index.vectors.vectors[anchor_row]
            else:
                anchor = self.index.vectors.vectors[list(like_rows)].mean(axis=0)
                anchor = anchor / max(float(np.linalg.norm(anchor)), 1e-9)
            rows, _ = self.index.vectors.top(anchor, depth, mask)
            rankings["similar"] = rows
        elif text.strip():
            if mode in ("hybrid", "lexical"):
                rankings["lexical"] = self._lexical_rows(text, mask, depth)
            if mode == "hybrid" and self.fusion.title > 0 and len(rankings["lexical"]):
                rankings["title"] = self._title_rows(text, rankings["lexical"])
            if mode in ("hybrid", "dense"):
                query_vector = self.embedder.encode_query(text)
                rows, _ = self.index.vectors.top(query_vector, depth, mask)
                rankings["dense"] = rows
            code_rows = self._code_rows(text, mask)
            if len(code_rows):
                rankings["code"] = code_rows
        if not any(len(rows) for rows in rankings.values()):
            # Nothing to match on (no text, or no word the catalog knows): best-rated first.
            allowed = np.flatnonzero(mask)
            order = np.argsort(-self._prior[allowed], kind="stable")[:depth]
            rankings["popular"] = allowed[order]

        numeric = any(ch.isdigit() for ch in text)
        weights = {
            "lexical": self.fusion.lexical,
            "dense": self.fusion.dense * (self.fusion.numeric_dense_factor if numeric else 1.0),
            "title": self.fusion.title,
            "similar": 1.0,
            "popular": 1.0,
            "code": 100.0,
        }
        scores: dict[int, float] = {}
        sources: dict[int, list[str]] = {}
        for name, rows in rankings.items():
            for rank, row in enumerate(rows.tolist()):
                scores[row] = scores.get(row, 0.0) + weights[name] / (self.fusion.rrf_k + rank + 1)
                sources.setdefault(row, []).append(name)
        if customer_id is not None and self.personal_scores is not None and scores:
            self._add_personal(customer_id, scores, sources)
        ordered = sorted(scores, key=lambda r: (-scores[r], -self._prior[r], r))
        if mode == "hybrid" and anchor_row is None and not like_rows:
            ordered = self._category_first(text, ordered)
        if diversify:
            ordered = self._demote_near_copies(ordered, k)
        page = ordered[:k]
        return [self._hit(row, scores[row], sources[row]) for row in page], constraints, total, soft

    def _lexical_rows(self, text: str, mask: np.ndarray, depth: int) -> np.ndarray:
        scores = self.index.lexical.scores(text)
        candidates = np.flatnonzero((scores > 0) & mask)
        if len(candidates) > depth:
            part = np.argpartition(-scores[candidates], depth - 1)[:depth]
            candidates = candidates[part]
        return candidates[np.argsort(-scores[candidates], kind="stable")]

    def _title_rows(self, text: str, lexical_rows: np.ndarray) -> np.ndarray:
        """The BM25 candidates whose title and category hold every query term, in BM25 order."""
        terms = set(analyze(text))
        if not terms:
            return np.zeros(0, dtype=np.int64)
        keep = [row for row in lexical_rows.tolist() if terms <= self._titles[row]]
        return np.asarray(keep, dtype=np.int64)

    def _category_first(self, text: str, ordered: list[int]) -> list[int]:
        """A query that only names a category ("laptops", "show me running shoes") gets that
        category's products first, above its accessories ("laptop sleeve") that also match."""
        words = [w for w in tokens(text) if w not in FILLER_WORDS]
        phrase = " ".join(singular(w) for w in words)
        leaf = self.parser.vocabulary.category_names.get(phrase) if phrase else None
        if leaf is None:
            return ordered
        inside = [r for r in ordered if self.items[r].category.lower() == leaf]
        if not inside:
            return ordered
        chosen = set(inside)
        return inside + [r for r in ordered if r not in chosen]

    def _code_rows(self, text: str, mask: np.ndarray) -> np.ndarray:
        rows: list[int] = []
        for token in tokens(text):
            if looks_like_code(token) or token in self._codes:
                rows.extend(r for r in self._codes.get(token, ()) if mask[r] and r not in rows)
        return np.asarray(rows, dtype=np.int64)

    def _resolve_price_preference(
        self, constraints: Constraints, mask: np.ndarray
    ) -> tuple[Constraints, np.ndarray]:
        if constraints.price_preference is None or not mask.any():
            return constraints, mask
        prices = self.filters.prices[mask]
        if constraints.price_preference == "low":
            limit = Decimal(str(np.quantile(prices, CHEAP_QUANTILE))).quantize(Decimal("0.01"), ROUND_DOWN)
            limit = max(limit, Decimal(str(prices.min())).quantize(Decimal("0.01")))
            constraints = replace(
                constraints,
                max_price=limit if constraints.max_price is None else min(limit, constraints.max_price),
                price_preference=None,
            )
        else:
            limit = Decimal(str(np.quantile(prices, 1 - CHEAP_QUANTILE))).quantize(Decimal("0.01"), ROUND_UP)
            limit = min(limit, Decimal(str(prices.max())).quantize(Decimal("0.01")))
            constraints = replace(
                constraints,
                min_price=limit if constraints.min_price is None else max(limit, constraints.min_price),
                price_preference=None,
            )
        return constraints, mask & self.filters.mask(constraints)

    def _add_personal(
        self, customer_id: int, scores: dict[int, float], sources: dict[int, list[str]]
    ) -> None:
        ids = [self.items[r].id for r in scores]
        try:
            personal = self.personal_scores(customer_id, ids) if self.personal_scores else {}
        except Exception:  # the recommender must never break search
            log.exception("personal score provider failed; searching without it")
            return
        ranked = sorted((pid for pid in ids if pid in personal), key=lambda p: -personal[p])
        for rank, product_id in enumerate(ranked):
            row = self._row[product_id]
            scores[row] += self.fusion.personal / (self.fusion.rrf_k + rank + 1)
            sources[row].append("personal")

    def _demote_near_copies(self, ordered: list[int], k: int) -> list[int]:
        """Keep the first page free of copies (same title, near-identical text); demoted ones
        follow the page. Variants of one product line have different titles and stay."""
        vectors = self.index.vectors.vectors
        page: list[int] = []
        titles: dict[str, list[int]] = {}
        demoted: list[int] = []
        position = 0
        while len(page) < k and position < len(ordered):
            row = ordered[position]
            position += 1
            title = normalize(self.items[row].title)
            same = titles.get(title, [])
            if same and float(np.max(vectors[same] @ vectors[row])) >= NEAR_COPY_COSINE:
                demoted.append(row)
                continue
            page.append(row)
            titles.setdefault(title, []).append(row)
        return page + demoted + ordered[position:]

    def _hit(self, row: int, score: float, sources: list[str]) -> SearchHit:
        item = self.items[row]
        return SearchHit(
            product_id=item.id,
            sku=item.sku,
            title=item.title,
            brand=item.brand,
            category=item.category,
            price=item.price,
            currency=item.currency,
            color=item.color,
            in_stock=item.in_stock,
            image_url=item.image_url,
            rating=item.rating,
            score=round(score, 6),
            matched_by=tuple(dict.fromkeys(sources)),
        )


def _title_terms(item: CatalogItem) -> frozenset[str]:
    return frozenset(analyze(f"{item.title} {item.sku} {item.category} {item.brand}"))


def _code_lookup(items: Sequence[CatalogItem]) -> dict[str, list[int]]:
    """SKUs and code-like title words ("x200", "wh-1000xm4") -> rows, for exact matching."""
    codes: dict[str, list[int]] = {}
    for row, item in enumerate(items):
        for token in {item.sku.lower(), *(t for t in tokens(item.title) if looks_like_code(t))}:
            codes.setdefault(token, []).append(row)
    # A "code" shared by many products (e.g. "4k") identifies nothing.
    return {code: rows for code, rows in codes.items() if len(rows) <= 5}
