"""Sentence embeddings, strictly offline.

The model is read from a local directory (`shop.config.embedding_model_path()`, the bundled
all-MiniLM-L6-v2 by default); the Hugging Face hub is switched off before the library is
imported, so nothing is ever downloaded at run time. Embeddings are L2-normalised float32,
so a dot product is the cosine similarity.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

#: One query embedding takes ~22 ms on one thread of the target CPU and two threads were slower
#: (measured); batch encoding at build time gains a little from a second thread.
QUERY_THREADS = 1
BUILD_THREADS = 2


def _offline() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class Embedder:
    """Encodes texts with a sentence-transformers model loaded once from a local path."""

    def __init__(self, model_path: str | None = None, *, threads: int = QUERY_THREADS) -> None:
        from shop.config import embedding_model_path

        self.model_path = model_path or embedding_model_path()
        self.threads = threads
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    _offline()
                    import torch
                    from sentence_transformers import SentenceTransformer

                    torch.set_num_threads(self.threads)
                    self._model = SentenceTransformer(self.model_path, device="cpu", local_files_only=True)
        return self._model

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    @property
    def model_id(self) -> str:
        """Identifies the model in the index manifest; a different model invalidates the cache."""
        path = os.path.normpath(self.model_path)
        name = "/".join(path.split(os.sep)[-2:])
        return f"{name}@{self.dimension}"

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False
    ) -> np.ndarray:
        """Normalised embeddings, one row per text (float32)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """One normalised vector (shape `(dim,)`), cached for repeated queries."""
        return self._encode_cached(text.strip().lower())

    @lru_cache(maxsize=1024)  # noqa: B019 - one Embedder lives for the whole process
    def _encode_cached(self, text: str) -> np.ndarray:
        import torch

        # The model's own module pipeline (tokenise, transformer, pooling) without `encode()`'s
        # batching bookkeeping: the same vector, ~15% faster for a single short query.
        model = self.model
        with torch.inference_mode():
            preprocess = getattr(model, "preprocess", None) or model.tokenize
            features = preprocess([text])
            output = model(features)["sentence_embedding"]
            output = torch.nn.functional.normalize(output, dim=1)
        vector = output[0].float().numpy().astype(np.float32)
        vector.setflags(write=False)
        return vector


_shared: dict[str, Embedder] = {}
_shared_lock = threading.Lock()


def shared_embedder(model_path: str | None = None) -> Embedder:
    """The process-wide embedder for a model path (loading a model costs seconds; do it once)."""
    from shop.config import embedding_model_path

    path = model_path or embedding_model_path()
    with _shared_lock:
        if path not in _shared:
            _shared[path] = Embedder(path)
        return _shared[path]
