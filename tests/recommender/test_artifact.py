"""Artifacts: atomic versioned writes, identical scores after a round trip, refusal of bad files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from recommender.artifact import (
    CURRENT_POINTER,
    FORMAT_VERSION,
    KEEP_VERSIONS,
    MAGIC,
    ArtifactError,
    current_artifact_path,
    load_artifact,
    read_header,
    save_artifact,
)
from recommender.data import load_catalog
from recommender.history import DatabaseHistory
from recommender.serving import Recommender


def scores_of(recommender: Recommender, customer_id: int) -> np.ndarray:
    _, scores = recommender.scores(recommender.context(customer_id))
    return scores


def test_a_saved_and_loaded_artifact_gives_the_same_scores(trained_shop, tmp_path):
    path = save_artifact(trained_shop.artifact, tmp_path)
    loaded = load_artifact(tmp_path)
    catalog = load_catalog(trained_shop.engine)
    history = DatabaseHistory(trained_shop.engine)
    before = Recommender(trained_shop.artifact, catalog, history)
    after = Recommender(loaded, catalog, history)

    assert path.name == "recommender-v0001.lfm"
    assert loaded.version == 1
    assert loaded.fingerprint == trained_shop.artifact.fingerprint
    assert loaded.mappings == trained_shop.artifact.mappings
    for customer in (1, 2, 3, None):
        np.testing.assert_array_equal(
            scores_of(before, customer) if customer else before.popularity_scores(),
            scores_of(after, customer) if customer else after.popularity_scores(),
        )
    assert [r.product_id for r in before.recommend(1, k=10)] == [
        r.product_id for r in after.recommend(1, k=10)
    ]
    assert [r.product_id for r in before.similar(1, k=5)] == [r.product_id for r in after.similar(1, k=5)]


def test_versions_are_numbered_current_points_at_the_newest_and_old_ones_are_pruned(trained_shop, tmp_path):
    for expected in range(1, KEEP_VERSIONS + 3):
        path = save_artifact(trained_shop.artifact, tmp_path)
        assert path.name == f"recommender-v{expected:04d}.lfm"
        assert current_artifact_path(tmp_path) == path
        assert read_header(tmp_path)["version"] == expected
    assert len(list(tmp_path.glob("recommender-v*.lfm"))) == KEEP_VERSIONS
    assert not list(tmp_path.glob(".*tmp"))  # no temporary files left behind


def test_a_corrupt_artifact_is_refused_with_a_clear_error(trained_shop, tmp_path):
    path = save_artifact(trained_shop.artifact, tmp_path)
    data = bytearray(path.read_bytes())
    data[-100] ^= 0xFF
    path.write_bytes(bytes(data))

    with pytest.raises(ArtifactError, match=r"corrupt \(checksum mismatch.*retrain"):
        load_artifact(tmp_path)


def test_a_truncated_artifact_is_refused(trained_shop, tmp_path):
    path = save_artifact(trained_shop.artifact, tmp_path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])

    with pytest.raises(ArtifactError, match="corrupt"):
        load_artifact(path)


def test_an_artifact_of_another_format_version_is_refused(trained_shop, tmp_path):
    path = save_artifact(trained_shop.artifact, tmp_path)
    raw = path.read_bytes()
    header_end = raw.index(b"\n", len(MAGIC))
    header = json.loads(raw[len(MAGIC) : header_end])
    header["format_version"] = FORMAT_VERSION + 1
    path.write_bytes(MAGIC + json.dumps(header).encode() + raw[header_end:])

    with pytest.raises(ArtifactError, match=f"format {FORMAT_VERSION + 1}.*reads format {FORMAT_VERSION}"):
        load_artifact(tmp_path)


def test_a_file_that_is_no_artifact_is_refused(tmp_path):
    (tmp_path / "model.lfm").write_bytes(b"\x80\x04definitely not ours")
    with pytest.raises(ArtifactError, match="not a recommender artifact"):
        load_artifact(tmp_path / "model.lfm")


def test_an_artifact_whose_model_does_not_match_its_mappings_is_refused(trained_shop, tmp_path):
    import copy

    broken = copy.copy(trained_shop.artifact)
    broken.model = copy.deepcopy(trained_shop.artifact.model)
    broken.model.item_embeddings = broken.model.item_embeddings[:-1]
    with pytest.raises(ArtifactError, match="item feature embeddings"):
        save_artifact(broken, tmp_path)


def test_loading_without_any_training_says_how_to_train(tmp_path):
    with pytest.raises(ArtifactError, match="shopbot recommender train"):
        load_artifact(tmp_path)
    (tmp_path / CURRENT_POINTER).write_text("recommender-v0009.lfm\n")
    with pytest.raises(ArtifactError, match="does not exist"):
        load_artifact(tmp_path)
