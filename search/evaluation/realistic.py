"""Evaluation on data search was not built from: hand-written queries, two catalog shapes.

Query sets (written by hand, `data/search_eval/realistic/`): `demo_queries.txt` (vague,
descriptive, technical, model names, brands, misspellings, long requests, colour words,
category words) for the demo shop, and `technical_queries.txt` for the hardware-style catalog of
`technical_catalog.py`. Catalog variants: the demo shop as it is (`demo`), the demo shop
stripped to title and description (`demo_text`: no category, brand, colour, size or attribute
fields, as many imported catalogs are), and the technical catalog (`technical`).

Judging: the top `POOL_DEPTH` products of every engine (BM25, dense, plain reciprocal-rank
fusion and the hybrid) on every variant of a set are pooled and graded 0-3 with the query's
hand-written rubric (`rubric.py`), reading the full product. Unpooled products count as 0.

Engines: `bm25`, `dense` and `rrf` are the plain baselines on the raw query text (no parsing, no
filters, no typo correction); `hybrid` is `ProductSearch.search` as shipped.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from search.catalog import content_hash
from search.embedding import Embedder
from search.engine import ProductSearch
from search.evaluation.labelled import EVAL_DIR
from search.evaluation.metrics import best_recall_at_k, mrr, ndcg_at_k
from search.evaluation.rubric import RubricQuery, grade, load_rubric_queries
from search.index import assemble, encode_with_cache, read_cache
from shop.products import CatalogItem

REALISTIC_DIR = EVAL_DIR / "realistic"
ENGINES = ("bm25", "dense", "rrf", "hybrid")
POOL_DEPTH = 20
RRF_K = 60


def query_sets() -> dict[str, list[RubricQuery]]:
    return {
        "demo": load_rubric_queries(REALISTIC_DIR / "demo_queries.txt", "d"),
        "technical": load_rubric_queries(REALISTIC_DIR / "technical_queries.txt", "t"),
    }


#: Which catalog variants each query set runs on.
SET_VARIANTS = {"demo": ("demo", "demo_text"), "technical": ("technical",)}


def dev_half(queries: Sequence[RubricQuery]) -> list[RubricQuery]:
    return [q for i, q in enumerate(queries) if i % 2 == 0]


def test_half(queries: Sequence[RubricQuery]) -> list[RubricQuery]:
    return [q for i, q in enumerate(queries) if i % 2 == 1]


def text_only(items: Iterable[CatalogItem]) -> list[CatalogItem]:
    """The catalog as a bare import: title and description, nothing structured."""
    return [
        replace(
            item,
            category_path="",
            brand="",
            color=None,
            colors=(),
            material=None,
            sizes=(),
            sizes_in_stock=(),
            attributes={},
        )
        for item in items
    ]


def cached_search(
    items: Sequence[CatalogItem],
    embedder: Embedder,
    cache_file: Path,
    *,
    seed_index: Path | None = None,
) -> ProductSearch:
    """An in-memory `ProductSearch` whose vectors come from `cache_file` (by content hash) where
    they can, encoding only what is missing; `seed_index` is a built index to take vectors from."""
    cache: dict[str, np.ndarray] = {}
    if seed_index is not None:
        cache.update(read_cache(seed_index, embedder.model_id))
    if cache_file.exists():
        with np.load(cache_file) as stored:
            cache.update(zip(stored["hashes"].tolist(), stored["vectors"].astype(np.float32), strict=True))
    vectors, encoded = encode_with_cache(items, embedder, cache)
    if encoded or not cache_file.exists():
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        hashes = sorted({content_hash(i) for i in items})
        np.savez(cache_file, hashes=np.array(hashes), vectors=np.stack([cache[h] for h in hashes]))
    return ProductSearch(assemble(items, vectors, backend="exact"), embedder=embedder)


# --- engines ------------------------------------------------------------------------------------
def _ids(search: ProductSearch, rows: Iterable[int]) -> list[int]:
    return [search.items[r].id for r in rows]


def bm25_rows(search: ProductSearch, query: str, k: int) -> np.ndarray:
    scores = search.index.lexical.scores(query)
    rows = np.flatnonzero(scores > 0)
    return rows[np.argsort(-scores[rows], kind="stable")][:k]


def dense_rows(search: ProductSearch, query: str, k: int) -> np.ndarray:
    rows, _ = search.index.vectors.top(search.embedder.encode_query(query), k)
    return rows


def rank(search: ProductSearch, engine: str, query: str, k: int = 50) -> list[int]:
    """Product ids, best first, for one engine."""
    if engine == "bm25":
        return _ids(search, bm25_rows(search, query, k))
    if engine == "dense":
        return _ids(search, dense_rows(search, query, k))
    if engine == "rrf":
        scores: dict[int, float] = {}
        for rows in (bm25_rows(search, query, 200), dense_rows(search, query, 200)):
            for position, row in enumerate(rows.tolist()):
                scores[row] = scores.get(row, 0.0) + 1.0 / (RRF_K + position + 1)
        return _ids(search, sorted(scores, key=lambda r: (-scores[r], r))[:k])
    if engine == "hybrid":
        return [hit.product_id for hit in search.search(query, k=k).hits]
    raise ValueError(f"unknown engine {engine!r}")


# --- pooling and judging ------------------------------------------------------------------------
Judgments = dict[str, dict[int, int]]


def pool_and_judge(
    queries: Sequence[RubricQuery],
    searches: Sequence[ProductSearch],
    full_items: Sequence[CatalogItem],
    *,
    depth: int = POOL_DEPTH,
) -> Judgments:
    """Grade the union of every engine's top `depth` on every variant (full products graded)."""
    by_id = {item.id: item for item in full_items}
    judged: Judgments = {}
    for query in queries:
        pool: set[int] = set()
        for search in searches:
            for engine in ENGINES:
                pool.update(rank(search, engine, query.text, depth))
        judged[query.id] = {pid: grade(by_id[pid], query) for pid in sorted(pool)}
    return judged


def write_judgments(
    path: Path, judged: Judgments, queries: Sequence[RubricQuery], items: Sequence[CatalogItem]
):
    skus = {item.id: item.sku for item in items}
    text = {q.id: q.text for q in queries}
    with path.open("w", encoding="utf-8") as out:
        for qid, grades in judged.items():
            for pid, value in grades.items():
                out.write(
                    json.dumps({"query": qid, "text": text[qid], "sku": skus[pid], "grade": value}) + "\n"
                )


def read_judgments(path: Path, items: Sequence[CatalogItem]) -> Judgments:
    ids = {item.sku: item.id for item in items}
    judged: Judgments = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["sku"] in ids:
            judged.setdefault(row["query"], {})[ids[row["sku"]]] = int(row["grade"])
    return judged


# --- scoring ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EngineScores:
    ndcg10: list[float]
    mrr: list[float]
    recall50: list[float]


def score_engines(
    search: ProductSearch,
    queries: Sequence[RubricQuery],
    judged: Judgments,
    engines: Sequence[str] = ENGINES,
    *,
    ranker: Callable[[ProductSearch, str, str, int], list[int]] = rank,
) -> dict[str, EngineScores]:
    """Per-query NDCG@10, MRR and best-grade recall@50 of each engine (queries with no relevant
    judged product are left out: nothing can be ranked right for them)."""
    kept = [q for q in queries if any(judged.get(q.id, {}).values())]
    out: dict[str, EngineScores] = {}
    for engine in engines:
        nd, mr, rc = [], [], []
        for query in kept:
            grades = {p: g for p, g in judged[query.id].items() if g > 0}
            ranked = ranker(search, engine, query.text, 50)
            nd.append(ndcg_at_k(ranked, grades, 10))
            mr.append(mrr(ranked, grades))
            rc.append(best_recall_at_k(ranked, grades, 50))
        out[engine] = EngineScores(nd, mr, rc)
    return out


def bootstrap_ci(values: Sequence[float], *, samples: int = 2000, seed: int = 13) -> tuple[float, float]:
    """95% percentile interval of the mean over queries resampled with replacement."""
    if not values:
        return (0.0, 0.0)
    data = np.asarray(values, dtype=np.float64)
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, len(data), size=(samples, len(data)))].mean(axis=1)
    return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def paired_ci(a: Sequence[float], b: Sequence[float], **kwargs: int) -> tuple[float, float]:
    """Bootstrap interval of mean(a - b) over the same queries."""
    return bootstrap_ci([x - y for x, y in zip(a, b, strict=True)], **kwargs)


def shuffled(queries: Sequence[RubricQuery], seed: int = 5) -> list[RubricQuery]:
    out = list(queries)
    random.Random(seed).shuffle(out)
    return out
