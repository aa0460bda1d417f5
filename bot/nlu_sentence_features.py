"""A pretrained sentence representation for DIET: all-MiniLM-L6-v2 run by onnxruntime.

Rasa runs on Python 3.10 without torch, so the encoder is exported once to ONNX from the Python
3.11 environment (`nlu_onnx_export.py`, `make onnx-model`) and run here with `onnxruntime` and
`tokenizers`. The message's sentence vector (mean of the token states over the attention mask,
L2-normalised: exactly what sentence-transformers computes, tests/nlu/test_sentence_features.py
checks it against torch) is added as a dense *sentence* feature next to the sparse word and
character n-gram features. No sequence features: entity tagging keeps its sparse token features,
and DIET stays small enough to train on two cores.

Configuration (config.yml): `model_dir` (default: $SHOPBOT_NLU_ONNX_DIR, else `.onnx/
all-MiniLM-L6-v2` beside this file), `max_length` (word pieces per message), `batch_size`,
`threads` (onnxruntime intra-op threads).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / ".onnx" / "all-MiniLM-L6-v2"


def resolve_model_dir(configured: str | None) -> Path:
    if configured:
        path = Path(configured)
        return path if path.is_absolute() else Path(__file__).resolve().parent / path
    env = os.environ.get("SHOPBOT_NLU_ONNX_DIR")
    return Path(env) if env else DEFAULT_MODEL_DIR


class SentenceEncoder:
    """Tokenizer + ONNX encoder + mean pooling; `encode(texts)` -> (n, 384) float32, unit rows."""

    def __init__(self, model_dir: Path, max_length: int = 128, threads: int = 2) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        if not (model_dir / "model.onnx").exists():
            raise FileNotFoundError(
                f"No ONNX sentence encoder in {model_dir}: run `make onnx-model` "
                "(exports the bundled all-MiniLM-L6-v2 from the .venv environment)."
            )
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            str(model_dir / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        encodings = self.tokenizer.encode_batch([t or "" for t in texts])
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        (states,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
        weights = mask[..., None].astype(np.float32)
        pooled = (states * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class OnnxSentenceFeaturizer(DenseFeaturizer, GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            "model_dir": None,
            "max_length": 128,
            "batch_size": 64,
            "threads": 2,
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["onnxruntime", "tokenizers"]

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        for key in ("max_length", "batch_size", "threads"):
            if int(config[key]) < 1:
                raise ValueError(f"{cls.__name__}: {key} must be at least 1, got {config[key]}")

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """The exported model's source hash: a new export retrains what depends on it."""
        manifest = resolve_model_dir(config.get("model_dir")) / "manifest.json"
        if not manifest.exists():
            return None
        return json.loads(manifest.read_text()).get("source_sha256")

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self.validate_config(config)
        self.batch_size = int(config["batch_size"])
        self.encoder = SentenceEncoder(
            resolve_model_dir(config.get("model_dir")), int(config["max_length"]), int(config["threads"])
        )

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> OnnxSentenceFeaturizer:
        return cls(config, execution_context.node_name)

    def _featurize(self, messages: list[Message]) -> None:
        todo = [m for m in messages if m.get(TEXT) is not None]
        # Similar lengths in one batch: less padding, faster.
        todo.sort(key=lambda m: len(m.get(TEXT)))
        for start in range(0, len(todo), self.batch_size):
            batch = todo[start : start + self.batch_size]
            vectors = self.encoder.encode([m.get(TEXT) for m in batch])
            for message, vector in zip(batch, vectors, strict=True):
                self.add_features_to_message(
                    sequence=None, sentence=vector[None, :], attribute=TEXT, message=message
                )

    def process(self, messages: list[Message]) -> list[Message]:
        self._featurize(messages)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data
