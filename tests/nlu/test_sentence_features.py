"""The Rasa pipeline's sentence vector is all-MiniLM-L6-v2's, exactly (bot/nlu_sentence_features.py).

The ONNX export (`make onnx-model`) runs in Rasa's environment with onnxruntime and tokenizers;
the reference is sentence-transformers on torch in this one. Same texts, same vectors (cosine
> 0.9999), whatever the length of the message and the padding of its batch.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import _require_or_skip

REPO = Path(__file__).resolve().parents[2]
RASA_PYTHON = REPO / ".venv-rasa" / "bin" / "python"
ONNX_DIR = REPO / "bot" / ".onnx" / "all-MiniLM-L6-v2"
TEXTS = [
    "where is my order 100234?",
    "what delivery options do you have",
    "hi, two things: my parcel never arrived and I also want a refund for the jacket, it was too small",
    "",
    "我的订单到哪里了",
]
ENCODE = """
import json, sys
sys.path.insert(0, "bot")
from nlu_sentence_features import SentenceEncoder
from pathlib import Path
texts = json.loads(sys.stdin.read())
encoder = SentenceEncoder(Path(sys.argv[1]), threads=1)
together = encoder.encode(texts).tolist()
alone = [encoder.encode([t])[0].tolist() for t in texts]
print(json.dumps({"together": together, "alone": alone}))
"""


@pytest.fixture(scope="module")
def onnx_vectors() -> dict[str, np.ndarray]:
    _require_or_skip(RASA_PYTHON.exists(), "the Rasa environment .venv-rasa is missing")
    _require_or_skip((ONNX_DIR / "model.onnx").exists(), "no ONNX export: run `make onnx-model`")
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", ENCODE, str(ONNX_DIR)],
        input=json.dumps(TEXTS),
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        check=True,
    )
    vectors = json.loads(result.stdout.strip().splitlines()[-1])
    return {key: np.array(value, dtype=np.float32) for key, value in vectors.items()}


def test_the_onnx_vectors_are_those_of_sentence_transformers(onnx_vectors) -> None:
    from search.embedding import Embedder

    reference = np.asarray(Embedder().model.encode(TEXTS, normalize_embeddings=True), dtype=np.float32)
    for key in ("together", "alone"):
        cosine = (onnx_vectors[key] * reference).sum(axis=1)
        assert cosine.min() > 0.9999, (key, cosine)


def test_vectors_are_unit_length_and_384_wide(onnx_vectors) -> None:
    assert onnx_vectors["together"].shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(onnx_vectors["together"], axis=1), 1.0, atol=1e-5)
