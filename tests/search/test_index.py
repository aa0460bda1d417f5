"""The persisted index: incremental rebuilds encode only what changed."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from search.catalog import CatalogItem
from search.embedding import Embedder
from search.engine import ProductSearch
from search.index import build_index, copy_embedding_cache


def test_a_rebuild_encodes_only_new_and_changed_products(
    tmp_path: Path, catalog: list[CatalogItem], embedder: Embedder, index_dir: Path
):
    directory = tmp_path / "search"
    # Start from the session's index so the first build below is already incremental.
    copy_embedding_cache(index_dir, directory)
    changed = [replace(catalog[0], title=catalog[0].title + " (2026 edition)"), *catalog[1:-1]]
    report = build_index(changed, directory, embedder=embedder)
    assert report.encoded == 1
    assert report.reused == len(changed) - 1
    assert report.removed == 2  # the edited product's old text and the dropped last product
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["products"] == len(changed) and manifest["backend"] == "exact"
    loaded = ProductSearch.load(directory, embedder=embedder)
    assert loaded.item(catalog[-1].id) is None
    assert loaded.item(catalog[0].id).title.endswith("(2026 edition)")  # type: ignore[union-attr]


def test_an_unchanged_catalog_encodes_nothing(
    tmp_path: Path, catalog: list[CatalogItem], embedder: Embedder, index_dir: Path
):
    directory = tmp_path / "search"
    copy_embedding_cache(index_dir, directory)
    assert build_index(catalog, directory, embedder=embedder).encoded == 0


def test_price_and_stock_changes_reach_the_filters_without_re_encoding(
    tmp_path: Path, catalog: list[CatalogItem], embedder: Embedder, index_dir: Path
):
    directory = tmp_path / "search"
    copy_embedding_cache(index_dir, directory)
    target = catalog[3]
    repriced = [replace(i, price=i.price + 1000) if i.id == target.id else i for i in catalog]
    assert build_index(repriced, directory, embedder=embedder).encoded == 0
    loaded = ProductSearch.load(directory, embedder=embedder)
    assert loaded.item(target.id).price == target.price + 1000  # type: ignore[union-attr]


def test_an_hnsw_index_is_persisted_and_loaded(
    tmp_path: Path, catalog: list[CatalogItem], embedder: Embedder, index_dir: Path
):
    directory = tmp_path / "search"
    copy_embedding_cache(index_dir, directory)
    report = build_index(catalog, directory, embedder=embedder, backend="hnsw")
    assert report.backend == "hnsw" and (directory / "hnsw.bin").exists()
    loaded = ProductSearch.load(directory, embedder=embedder)
    assert loaded.index.vectors.backend == "hnsw"
    result = loaded.search("tent under 300", k=5)
    assert result.hits and all(h.price <= 300 and h.category == "Tents" for h in result.hits)
