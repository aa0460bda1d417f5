"""The persisted search index: product snapshot, embeddings (cached by content hash), BM25 and,
for large catalogs, an HNSW graph.

Layout of `get_settings().model_dir / "search"`:

    manifest.json     format, model, dimension, backend, counts, catalog fingerprint
    items.jsonl       one `CatalogItem` per line (what filters, hits and Q&A read)
    vectors.npy       float32 (n, dim), L2-normalised, row i = items[i]
    hashes.json       content hash of row i (the embedding cache key)
    vocabulary.json   colours, brands, categories, sizes, features the parser recognises
    words.json        catalog word frequencies (typo correction)
    bm25/             bm25s index
    hnsw.bin          only when the backend is "hnsw"

A rebuild reuses every vector whose content hash is unchanged and encodes only new or edited
products. The new index is written next to the old one and swapped in with a rename, so a reader
never sees half an index.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np

from search.catalog import CatalogItem, catalog_fingerprint, content_hash, item_text
from search.embedding import BUILD_THREADS, Embedder
from search.lexical import LEXICAL_VERSION, LexicalIndex
from search.spelling import SpellingCorrector
from search.vocabulary import CatalogVocabulary

INDEX_FORMAT = 1
Backend = Literal["exact", "hnsw"]

#: Catalogs with at least this many products get an HNSW graph; below it an exact matrix product
#: is fast enough and has perfect recall. Chosen by measurement (bench/search_latency.py,
#: BENCHMARKS.md "Search latency and scale").
ANN_THRESHOLD = 200_000
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 100
HNSW_EF_SEARCH = 128
#: Largest neighbour list asked of HNSW; a filter needing more is answered exactly.
HNSW_MAX_K = 4096


#: The files of an index that hold its embeddings by content hash (enough to seed another build).
CACHE_FILES = ("manifest.json", "hashes.json", "vectors.npy")


def default_index_dir() -> Path:
    from shop.config import get_settings

    return Path(get_settings().model_dir) / "search"


def build_id(index_dir: Path | None = None) -> tuple[str, str] | None:
    """What tells one build of the index from the next (None while none is built)."""
    try:
        manifest = json.loads((Path(index_dir or default_index_dir()) / "manifest.json").read_text())
    except FileNotFoundError:
        return None
    return (manifest.get("built_at"), manifest.get("catalog_fingerprint"))


def copy_embedding_cache(source: Path, index_dir: Path) -> None:
    """Give `index_dir` the embeddings of the index at `source`, so that building it encodes only
    the products whose text differs."""
    index_dir.mkdir(parents=True, exist_ok=True)
    for name in CACHE_FILES:
        shutil.copy2(source / name, index_dir / name)


class VectorIndex:
    """Top-n cosine search over normalised vectors: exact matrix product or HNSW."""

    def __init__(self, vectors: np.ndarray, hnsw: Any | None = None) -> None:
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.hnsw = hnsw

    @property
    def backend(self) -> Backend:
        return "hnsw" if self.hnsw is not None else "exact"

    def __len__(self) -> int:
        return self.vectors.shape[0]

    @staticmethod
    def build_hnsw(vectors: np.ndarray, *, threads: int = 2) -> Any:
        import hnswlib

        graph = hnswlib.Index(space="ip", dim=vectors.shape[1])
        graph.init_index(max_elements=max(1, len(vectors)), M=HNSW_M, ef_construction=HNSW_EF_CONSTRUCTION)
        graph.set_num_threads(threads)
        if len(vectors):
            graph.add_items(vectors, np.arange(len(vectors)))
        graph.set_ef(HNSW_EF_SEARCH)
        graph.set_num_threads(1)
        return graph

    def top(
        self, query: np.ndarray, n: int, mask: np.ndarray | None = None, *, exact: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Rows and cosine scores of the `n` nearest allowed rows, best first.

        With a filter, HNSW is asked for extra neighbours and filtered afterwards; a selective
        filter (few allowed rows) is answered exactly over the allowed rows, which is then cheap.
        """
        size = len(self)
        allowed = size if mask is None else int(mask.sum())
        n = min(n, allowed)
        if n <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if self.hnsw is not None and not exact and allowed > 20 * n and allowed > 0.05 * size:
            want = min(size, int(n * size / allowed * 2) + 10, HNSW_MAX_K)
            try:
                self.hnsw.set_ef(max(HNSW_EF_SEARCH, want))
                labels, distances = self.hnsw.knn_query(query.reshape(1, -1), k=want)
            except RuntimeError:
                # hnswlib cannot always return `want` neighbours (a sparse corner of the graph);
                # the exact path below always can.
                labels = None
            if labels is not None:
                rows, scores = labels[0].astype(np.int64), 1.0 - distances[0]
                if mask is not None:
                    keep = mask[rows]
                    rows, scores = rows[keep], scores[keep]
                if len(rows) >= n:
                    return rows[:n], scores[:n].astype(np.float32)
        if mask is None:
            scores = self.vectors @ query
            rows = _top(scores, n)
            return rows, scores[rows]
        if allowed > 0.1 * size:
            # Gathering many rows copies them; scoring every row and masking is cheaper.
            scores = self.vectors @ query
            scores[~mask] = -np.inf
            rows = _top(scores, n)
            return rows, scores[rows]
        subset = np.flatnonzero(mask)
        scores = self.vectors[subset] @ query
        best = _top(scores, n)
        return subset[best], scores[best]


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    n = min(n, len(scores))
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
    return part[np.argsort(-scores[part], kind="stable")]


@dataclass(frozen=True)
class BuildReport:
    products: int
    encoded: int
    reused: int
    removed: int
    backend: Backend
    seconds: float
    index_dir: Path

    def describe(self) -> str:
        return (
            f"search index: {self.products} products ({self.encoded} encoded, {self.reused} reused, "
            f"{self.removed} removed), backend {self.backend}, {self.seconds:.1f} s -> {self.index_dir}"
        )


@dataclass
class IndexFiles:
    """Everything `ProductSearch` needs, as loaded from disk (or built in memory)."""

    items: list[CatalogItem]
    vectors: VectorIndex
    lexical: LexicalIndex
    vocabulary: CatalogVocabulary
    corrector: SpellingCorrector
    manifest: dict[str, Any]


def lexical_text(item: CatalogItem) -> str:
    # The title counts twice: a word in the title says more than the same word in a description.
    return f"{item.title}. {item.sku}. {item_text(item)}"


def assemble(
    items: Sequence[CatalogItem],
    vectors: np.ndarray,
    *,
    backend: Backend | Literal["auto"] = "auto",
    hnsw: Any | None = None,
    manifest: dict[str, Any] | None = None,
) -> IndexFiles:
    """In-memory index from items and their vectors (tests, benchmarks, and the build itself)."""
    items = list(items)
    if backend == "auto":
        backend = "hnsw" if len(items) >= ANN_THRESHOLD else "exact"
    if backend == "hnsw" and hnsw is None:
        hnsw = VectorIndex.build_hnsw(vectors)
    vocabulary = CatalogVocabulary.from_items(items)
    corrector = SpellingCorrector.from_texts((lexical_text(i) for i in items), vocabulary.words())
    return IndexFiles(
        items=items,
        vectors=VectorIndex(vectors, hnsw if backend == "hnsw" else None),
        lexical=LexicalIndex.build([lexical_text(i) for i in items]),
        vocabulary=vocabulary,
        corrector=corrector,
        manifest=manifest or {"backend": backend, "products": len(items)},
    )


def encode_with_cache(
    items: Sequence[CatalogItem],
    embedder: Embedder,
    cache: dict[str, np.ndarray],
    *,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 64,
) -> tuple[np.ndarray, int]:
    """Vectors for `items`, encoding only content hashes missing from `cache`; returns (vectors, encoded)."""
    hashes = [content_hash(item) for item in items]
    missing: dict[str, str] = {}
    for item, digest in zip(items, hashes, strict=True):
        if digest not in cache and digest not in missing:
            missing[digest] = item_text(item)
    pending = list(missing.items())
    # Chunks of several batches: sentence-transformers sorts a call's texts by length, so
    # batches pad less; the progress callback still fires often enough for a progress bar.
    chunk = batch_size * 8
    for start in range(0, len(pending), chunk):
        part = pending[start : start + chunk]
        encoded = embedder.encode([text for _, text in part], batch_size=batch_size)
        for (digest, _), vector in zip(part, encoded, strict=True):
            cache[digest] = vector
        if progress:
            progress(len(part))
    dim = embedder.dimension
    vectors = np.stack([cache[h] for h in hashes]) if hashes else np.zeros((0, dim), dtype=np.float32)
    return vectors.astype(np.float32), len(pending)


def read_cache(index_dir: Path, model_id: str) -> dict[str, np.ndarray]:
    """Cached vectors by content hash from an existing index built with the same model."""
    manifest_path = index_dir / "manifest.json"
    if not manifest_path.exists():
        return {}
    try:
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("format") != INDEX_FORMAT or manifest.get("model") != model_id:
            return {}
        hashes = json.loads((index_dir / "hashes.json").read_text())
        vectors = np.load(index_dir / "vectors.npy")
    except (OSError, ValueError, KeyError):
        return {}
    return dict(zip(hashes, vectors, strict=True))


def build_index(
    items: Sequence[CatalogItem],
    index_dir: Path | None = None,
    *,
    embedder: Embedder | None = None,
    backend: Backend | Literal["auto"] = "auto",
    progress: Callable[[int], None] | None = None,
    on_plan: Callable[[int, int], None] | None = None,
) -> BuildReport:
    """Build (or incrementally rebuild) the index for `items` and write it to `index_dir`.

    `on_plan(total_to_encode, total_products)` is called once before encoding starts, then
    `progress(n)` after each encoded batch (the CLI drives a progress bar with these).
    """
    started = time.perf_counter()
    index_dir = Path(index_dir or default_index_dir())
    embedder = embedder or Embedder(threads=BUILD_THREADS)
    model_id = embedder.model_id
    cache = read_cache(index_dir, model_id)
    old_hashes = set(cache)
    hashes = [content_hash(item) for item in items]
    if on_plan:
        on_plan(len(set(hashes) - old_hashes), len(items))
    vectors, encoded = encode_with_cache(items, embedder, cache, progress=progress)
    built = assemble(items, vectors, backend=backend)
    chosen: Backend = built.vectors.backend
    manifest = {
        "format": INDEX_FORMAT,
        "model": model_id,
        "model_path": embedder.model_path,
        "dimension": int(vectors.shape[1]) if vectors.ndim == 2 else embedder.dimension,
        "backend": chosen,
        "products": len(items),
        "catalog_fingerprint": catalog_fingerprint(items),
        "lexical_version": LEXICAL_VERSION,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    _write(index_dir, built, hashes, manifest)
    return BuildReport(
        products=len(items),
        encoded=encoded,
        reused=len(items) - encoded if encoded <= len(items) else 0,
        removed=len(old_hashes - set(hashes)),
        backend=chosen,
        seconds=time.perf_counter() - started,
        index_dir=index_dir,
    )


def _write(index_dir: Path, built: IndexFiles, hashes: list[str], manifest: dict[str, Any]) -> None:
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = index_dir.with_name(index_dir.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    with (staging / "items.jsonl").open("w") as out:
        for item in built.items:
            out.write(json.dumps(item.to_dict(), sort_keys=True, default=str) + "\n")
    np.save(staging / "vectors.npy", built.vectors.vectors)
    (staging / "hashes.json").write_text(json.dumps(hashes))
    (staging / "vocabulary.json").write_text(json.dumps(built.vocabulary.to_dict()))
    (staging / "words.json").write_text(json.dumps(built.corrector.frequencies))
    built.lexical.save(staging / "bm25")
    if built.vectors.hnsw is not None:
        built.vectors.hnsw.save_index(str(staging / "hnsw.bin"))
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2))
    retired = index_dir.with_name(index_dir.name + ".old")
    shutil.rmtree(retired, ignore_errors=True)
    if index_dir.exists():
        index_dir.rename(retired)
    staging.rename(index_dir)
    shutil.rmtree(retired, ignore_errors=True)


class IndexMissing(FileNotFoundError):
    """No index has been built yet (run `shopbot search build`)."""


def load_index(index_dir: Path | None = None) -> IndexFiles:
    index_dir = Path(index_dir or default_index_dir())
    manifest_path = index_dir / "manifest.json"
    if not manifest_path.exists():
        raise IndexMissing(f"no search index at {index_dir}; run `shopbot search build`")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != INDEX_FORMAT:
        raise IndexMissing(f"search index at {index_dir} has an old format; run `shopbot search build`")
    with (index_dir / "items.jsonl").open() as lines:
        items = [CatalogItem.from_dict(json.loads(line)) for line in lines]
    vectors = np.load(index_dir / "vectors.npy")
    hnsw = None
    if manifest["backend"] == "hnsw":
        import hnswlib

        hnsw = hnswlib.Index(space="ip", dim=vectors.shape[1])
        hnsw.load_index(str(index_dir / "hnsw.bin"), max_elements=len(items))
        hnsw.set_ef(HNSW_EF_SEARCH)
        hnsw.set_num_threads(1)
    if manifest.get("lexical_version") == LEXICAL_VERSION:
        lexical = LexicalIndex.load(index_dir / "bm25", len(items))
        vocabulary = CatalogVocabulary.from_dict(json.loads((index_dir / "vocabulary.json").read_text()))
        corrector = SpellingCorrector(json.loads((index_dir / "words.json").read_text()))
    else:
        # Built by an older tokeniser: the text parts are rebuilt from the items (seconds).
        lexical = LexicalIndex.build([lexical_text(i) for i in items])
        vocabulary = CatalogVocabulary.from_items(items)
        corrector = SpellingCorrector.from_texts((lexical_text(i) for i in items), vocabulary.words())
    return IndexFiles(
        items=items,
        vectors=VectorIndex(vectors, hnsw),
        lexical=lexical,
        vocabulary=vocabulary,
        corrector=corrector,
        manifest=manifest,
    )


def rebuild_from_database(engine: Any = None, index_dir: Path | None = None) -> BuildReport:
    """Incrementally rebuild the index from the shop database (call after a catalog import)."""
    from search.catalog import load_catalog
    from shop.db import get_engine

    return build_index(load_catalog(engine or get_engine()), index_dir)
