"""The trained recommender on disk: versioned files, written atomically, checked when loaded.

Layout under `get_settings().model_dir / "recommender"`::

    recommender-v0003.lfm   one artifact per training run (the newest few are kept)
    CURRENT                 the file name of the artifact to serve

A file is a magic line, a JSON header line (format version, checksum, fingerprint, metrics,
created_at) and a pickled payload. Both the artifact and CURRENT are written to a temporary file
and moved into place with `os.replace`, so a reader never sees half a file. Loading checks the
magic, the format version, the checksum and the shapes, and raises `ArtifactError` with the
remedy instead of unpickling garbage or serving scores from mismatched mappings.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import re
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import lightfm
import numpy as np
import scipy.sparse as sp
from lightfm import LightFM

from recommender.cold_items import ColdItemMap
from recommender.config import BlendWeights, TrainConfig
from recommender.features import FeatureSpace
from shop.config import get_settings

#: Bump whenever the payload's structure changes; older artifacts are then refused.
FORMAT_VERSION = 1
MAGIC = b"SHOPBOT-RECOMMENDER-ARTIFACT\n"
CURRENT_POINTER = "CURRENT"
KEEP_VERSIONS = 3
_FILE_PATTERN = re.compile(r"^recommender-v(\d{4,})\.lfm$")


class ArtifactError(RuntimeError):
    """The artifact is missing, corrupt or incompatible; the message says what to do."""


@dataclass
class RecommenderArtifact:
    model: LightFM
    #: `lightfm.data.Dataset.mapping()`: (user id map, user feature map, item id map, item feature map).
    mappings: tuple[dict[Any, int], dict[str, int], dict[Any, int], dict[str, int]]
    #: Feature rows of the trained customers (row i = user index i), normalised as in training.
    user_features: sp.csr_matrix
    #: Feature rows of the trained products (row i = item index i); `fit_partial` needs them.
    item_features: sp.csr_matrix
    feature_space: FeatureSpace
    config: TrainConfig
    blend_warm: BlendWeights
    blend_cold: BlendWeights
    #: Representations from metadata for products without interactions (`recommender.cold_items`).
    cold_item_map: ColdItemMap
    #: Per item index: did the product have any interaction in training?
    item_has_interactions: np.ndarray
    #: Item-kNN similarity (row i: i's neighbours), co-purchase counts, popularity; by item index.
    knn: sp.csr_matrix
    co_purchases: sp.csr_matrix
    popularity: np.ndarray
    segment_popularity: dict[str, np.ndarray]
    fingerprint: str
    reference_time: datetime
    created_at: datetime
    metrics: dict[str, Any] = field(default_factory=dict)
    data_summary: dict[str, Any] = field(default_factory=dict)
    #: Set by `save_artifact` / `load_artifact`.
    version: int | None = None

    @property
    def user_index(self) -> dict[int, int]:
        return self.mappings[0]

    @property
    def item_index(self) -> dict[int, int]:
        return self.mappings[2]

    @property
    def item_feature_index(self) -> dict[str, int]:
        return self.mappings[3]

    def header(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "lightfm_version": lightfm.__version__,
            "created_at": self.created_at.isoformat(),
            "reference_time": self.reference_time.isoformat(),
            "fingerprint": self.fingerprint,
            "config": self.config.to_dict(),
            "blend_warm": self.blend_warm.to_dict(),
            "blend_cold": self.blend_cold.to_dict(),
            "metrics": self.metrics,
            "data_summary": self.data_summary,
        }

    def check_consistency(self) -> None:
        """Raise `ArtifactError` if the model's shapes do not match its mappings."""
        n_users, n_user_features = len(self.mappings[0]), len(self.mappings[1])
        n_items, n_item_features = len(self.mappings[2]), len(self.mappings[3])
        problems = []
        if self.model.item_embeddings.shape[0] != n_item_features:
            problems.append(
                f"{self.model.item_embeddings.shape[0]} item feature embeddings vs "
                f"{n_item_features} item features"
            )
        if self.model.user_embeddings.shape[0] != n_user_features:
            problems.append(
                f"{self.model.user_embeddings.shape[0]} user feature embeddings vs "
                f"{n_user_features} user features"
            )
        if self.item_features.shape != (n_items, n_item_features):
            problems.append(f"item feature matrix {self.item_features.shape} vs {n_items} items")
        if self.user_features.shape != (n_users, n_user_features):
            problems.append(f"user feature matrix {self.user_features.shape} vs {n_users} users")
        for name, matrix in (("knn", self.knn), ("co_purchases", self.co_purchases)):
            if matrix.shape != (n_items, n_items):
                problems.append(f"{name} matrix {matrix.shape} vs {n_items} items")
        if self.item_has_interactions.shape != (n_items,):
            problems.append(f"item_has_interactions {self.item_has_interactions.shape} vs {n_items} items")
        width = self.model.item_embeddings.shape[1] + 1
        if self.cold_item_map.coefficients.shape != (len(self.cold_item_map.feature_names) + 1, width):
            problems.append(f"cold item map {self.cold_item_map.coefficients.shape} vs {width} columns")
        if self.popularity.shape != (n_items,):
            problems.append(f"popularity {self.popularity.shape} vs {n_items} items")
        if problems:
            raise ArtifactError("inconsistent recommender artifact: " + "; ".join(problems))


def artifact_dir() -> Path:
    return Path(get_settings().model_dir) / "recommender"


def _versions(directory: Path) -> list[tuple[int, Path]]:
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = _FILE_PATTERN.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found)


def _write_atomically(path: Path, chunks: list[bytes]) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def save_artifact(artifact: RecommenderArtifact, directory: Path | None = None) -> Path:
    """Write `artifact` as the next version, point CURRENT at it and prune old versions."""
    directory = Path(directory or artifact_dir())
    directory.mkdir(parents=True, exist_ok=True)
    artifact.check_consistency()
    versions = _versions(directory)
    artifact.version = (versions[-1][0] + 1) if versions else 1
    payload = pickle.dumps(artifact, protocol=pickle.HIGHEST_PROTOCOL)
    header = artifact.header() | {
        "version": artifact.version,
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
        "payload_bytes": len(payload),
    }
    path = directory / f"recommender-v{artifact.version:04d}.lfm"
    _write_atomically(path, [MAGIC, json.dumps(header, sort_keys=True).encode() + b"\n", payload])
    _write_atomically(directory / CURRENT_POINTER, [path.name.encode() + b"\n"])
    for _, old in _versions(directory)[:-KEEP_VERSIONS]:
        old.unlink(missing_ok=True)
    return path


def current_artifact_path(directory: Path | None = None) -> Path | None:
    directory = Path(directory or artifact_dir())
    pointer = directory / CURRENT_POINTER
    if not pointer.is_file():
        return None
    return directory / pointer.read_text().strip()


def _resolve(path: Path | str | None) -> Path:
    path = Path(path) if path is not None else artifact_dir()
    if path.is_dir():
        current = current_artifact_path(path)
        if current is None:
            raise ArtifactError(f"no trained recommender in {path}: run `shopbot recommender train` first")
        path = current
    if not path.is_file():
        raise ArtifactError(f"recommender artifact {path} does not exist: run `shopbot recommender train`")
    return path


def _read_header(handle: io.BufferedReader, path: Path) -> dict[str, Any]:
    if handle.read(len(MAGIC)) != MAGIC:
        raise ArtifactError(f"{path} is not a recommender artifact (wrong magic bytes)")
    try:
        header = json.loads(handle.readline())
    except ValueError as error:
        raise ArtifactError(f"{path} is corrupt: unreadable header ({error})") from None
    if not isinstance(header, dict):
        raise ArtifactError(f"{path} is corrupt: header is not an object")
    found = header.get("format_version")
    if found != FORMAT_VERSION:
        raise ArtifactError(
            f"{path} has artifact format {found!r} but this code reads format {FORMAT_VERSION}: "
            "retrain with `shopbot recommender train`"
        )
    return header


def read_header(path: Path | str | None = None) -> dict[str, Any]:
    """The JSON header of an artifact (version, fingerprint, metrics) without loading the model."""
    resolved = _resolve(path)
    with resolved.open("rb") as handle:
        return _read_header(handle, resolved)


def load_artifact(path: Path | str | None = None) -> RecommenderArtifact:
    """Load and verify an artifact: a file, or a directory's CURRENT one (default: settings)."""
    resolved = _resolve(path)
    with resolved.open("rb") as handle:
        header = _read_header(handle, resolved)
        payload = handle.read()
    if len(payload) != header.get("payload_bytes") or (
        hashlib.sha256(payload).hexdigest() != header.get("payload_sha256")
    ):
        raise ArtifactError(
            f"{resolved} is corrupt (checksum mismatch, {len(payload)} payload bytes): "
            "retrain with `shopbot recommender train`"
        )
    try:
        artifact = pickle.loads(payload)
    except Exception as error:
        raise ArtifactError(
            f"{resolved} cannot be loaded by this code ({type(error).__name__}: {error}): "
            "retrain with `shopbot recommender train`"
        ) from None
    if not isinstance(artifact, RecommenderArtifact):
        raise ArtifactError(f"{resolved} holds a {type(artifact).__name__}, not a recommender artifact")
    artifact.check_consistency()
    artifact.version = header.get("version")
    return artifact


def item_representations(
    artifact: RecommenderArtifact, feature_rows: sp.csr_matrix
) -> tuple[np.ndarray, np.ndarray]:
    """(embeddings, biases) of items given their normalised feature rows: a matrix product."""
    embeddings = (feature_rows @ artifact.model.item_embeddings).astype(np.float32)
    biases = (feature_rows @ artifact.model.item_biases).astype(np.float32)
    return np.ascontiguousarray(embeddings), biases
