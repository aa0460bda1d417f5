"""Custom NLU component (Rasa 3.6 graph component), loaded from this directory by `rasa train/run`.

`RegexEntityPriority`: order numbers, emails and RMA numbers have exact shapes, so the regex
extractor is right about them and the CRF (which learns them too, because the regex extractor only
works for annotated entity types) can only add a duplicate or a partial span ("alice@example").
For the configured entity types this keeps the regex extractor's entities and drops the CRF's.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_TYPE, EXTRACTOR
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

REGEX_EXTRACTOR = "RegexEntityExtractor"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class RegexEntityPriority(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"entity_types": []}

    def __init__(self, config: dict[str, Any]) -> None:
        self.entity_types = set(config.get("entity_types") or [])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RegexEntityPriority:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            entities = message.get(ENTITIES) or []
            kept = [
                entity
                for entity in entities
                if entity.get(ENTITY_ATTRIBUTE_TYPE) not in self.entity_types
                or entity.get(EXTRACTOR) == REGEX_EXTRACTOR
            ]
            if len(kept) != len(entities):
                message.set(ENTITIES, kept, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
