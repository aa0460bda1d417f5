"""Intent classifier: a multinomial logistic regression over the message's sentence features.

Why not DIET for intents: on two CPU cores DIET needs ~20 CPU-minutes for the ~6,900 training
examples, over the 10-minute training budget. A linear model over the pretrained sentence
vector plus tf-idf-weighted word and character n-grams trains in well under a minute; its
figures on the realistic corpus (bot/tests/nlu/realistic) are in BENCHMARKS.md ("Rasa training
and NLU"). Entities come from a CRF (config.yml).

Features, per message (sentence level): the dense sentence vectors (all-MiniLM-L6-v2, already
unit length), and for each sparse featurizer named in `sparse_featurizers` (their `alias` in
config.yml) its counts as sublinear tf-idf: log(1 + count) times the smoothed inverse document
frequency learnt at training time, each block L2-normalised on its own so that no block
dominates by its size. Rasa's own LogisticRegressionClassifier uses raw counts and a fixed C,
which scored lower here.

The model is stored as plain arrays (npz: weights, intercepts, classes, idf per block), so
loading trusts no pickled objects, and prediction is a softmax over one sparse product.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import scipy.sparse as sp
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)
MODEL_FILE = "intent_logreg.npz"


def _sentence_block(message: Message, featurizer: str | None, dense: bool) -> np.ndarray | sp.spmatrix:
    getter = message.get_dense_features if dense else message.get_sparse_features
    _, sentence = getter(TEXT, [featurizer] if featurizer else None)
    return None if sentence is None else sentence.features


def _l2_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1))).ravel()
    return sp.diags(1.0 / np.clip(norms, 1e-12, None)) @ matrix


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SentenceLogisticIntentClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # Aliases of the sparse featurizers whose sentence features are used (tf-idf each).
            "sparse_featurizers": [],
            # Inverse regularisation strength; chosen on the realistic corpus (BENCHMARKS.md).
            "C": 20.0,
            "max_iter": 300,
            "random_seed": 7,
            "ranking_length": 10,
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn"]

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.classes: np.ndarray | None = None
        self.weights: np.ndarray | None = None
        self.intercepts: np.ndarray | None = None
        self.idf: list[np.ndarray] = []

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceLogisticIntentClassifier:
        return cls(config, model_storage, resource)

    def _raw_blocks(self, messages: list[Message]) -> list[sp.csr_matrix]:
        blocks = []
        for name in self.config["sparse_featurizers"]:
            rows = [_sentence_block(m, name, dense=False) for m in messages]
            width = next((r.shape[1] for r in rows if r is not None), 0)
            blocks.append(
                sp.vstack([r if r is not None else sp.csr_matrix((1, width)) for r in rows]).tocsr()
            )
        return blocks

    def _matrix(self, messages: list[Message]) -> sp.csr_matrix:
        parts = []
        dense_rows = [_sentence_block(m, None, dense=True) for m in messages]
        if any(r is not None for r in dense_rows):
            width = next(r.shape[1] for r in dense_rows if r is not None)
            parts.append(
                sp.csr_matrix(np.vstack([r if r is not None else np.zeros((1, width)) for r in dense_rows]))
            )
        for block, idf in zip(self._raw_blocks(messages), self.idf, strict=True):
            tf = block.astype(np.float64).tocsr(copy=True)
            tf.data = np.log1p(np.abs(tf.data))
            parts.append(_l2_rows(tf @ sp.diags(idf)))
        return sp.hstack(parts).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.linear_model import LogisticRegression

        examples = [e for e in training_data.intent_examples if e.get(INTENT)]
        if not examples:
            logger.warning("SentenceLogisticIntentClassifier: no intent examples, nothing trained.")
            return self._resource
        self.idf = []
        for block in self._raw_blocks(examples):
            document_frequency = np.asarray((block != 0).sum(axis=0)).ravel()
            self.idf.append(np.log((1 + block.shape[0]) / (1 + document_frequency)) + 1.0)
        model = LogisticRegression(
            C=float(self.config["C"]),
            max_iter=int(self.config["max_iter"]),
            class_weight="balanced",
            random_state=int(self.config["random_seed"]),
        )
        model.fit(self._matrix(examples), [e.get(INTENT) for e in examples])
        self.classes = np.asarray(model.classes_)
        self.weights, self.intercepts = model.coef_, model.intercept_
        self.persist()
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        if self.weights is None or not messages:
            return messages
        scores = np.asarray(self._matrix(messages) @ self.weights.T) + self.intercepts
        scores -= scores.max(axis=1, keepdims=True)
        probabilities = np.exp(scores)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        keep = int(self.config["ranking_length"]) or len(self.classes)
        for message, row in zip(messages, probabilities, strict=True):
            order = np.argsort(-row)[:keep]
            ranking = [{"name": str(self.classes[i]), "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set("intent_ranking", ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            np.savez(
                directory / MODEL_FILE,
                classes=self.classes.astype(str),
                weights=self.weights,
                intercepts=self.intercepts,
                **{f"idf_{i}": idf for i, idf in enumerate(self.idf)},
            )

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SentenceLogisticIntentClassifier:
        component = cls(config, model_storage, resource)
        try:
            with (
                model_storage.read_from(resource) as directory,
                np.load(directory / MODEL_FILE, allow_pickle=False) as stored,
            ):
                component.classes = stored["classes"]
                component.weights = stored["weights"]
                component.intercepts = stored["intercepts"]
                component.idf = [
                    stored[f"idf_{i}"] for i in range(len(component.config["sparse_featurizers"]))
                ]
        except (ValueError, FileNotFoundError):
            logger.warning("SentenceLogisticIntentClassifier: no trained model stored; untrained.")
        return component
