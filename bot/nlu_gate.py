"""Messages the assistant cannot read start no flow: other languages, no words, code.

`MessageGate` runs last in the NLU pipeline. When a message is clearly not English, has no
words at all (empty, "???", "1234"), or is code rather than a request (an SQL injection
string, markup), it replaces the prediction with `out_of_scope` (confidence 1), drops the
entities (an order number inside "我的订单100234到哪里了？" must not start an order lookup) and
adds one `language` entity: the ISO 639-1 code of the language, or "none" (no words) or "code".
`action_out_of_scope` answers from it: in English and, where it has the text, in the shopper's
language, that the assistant speaks English; or that it did not get a request in words.
Order numbers and emails alone ("100234", "alice@example.com") are answers, not noise.

"Clearly" is deliberately strict, because a wrong call costs an English speaker their answer:
- a message mostly in a non-Latin script (Chinese, Japanese, Korean, Cyrillic, Arabic, Greek,
  Hebrew, Devanagari, Thai...) is not English; or
- lingua-language-detector (a well-kept, accurate detector for short texts) puts another
  language first with confidence >= `min_confidence` and English below `max_english`, on a
  message of at least `min_words` words. Single words ("hola", "merci") stay with DIET, and so
  do messages shaped like a postal address (a number and a comma: "Kerkstraat 10, 1017 GB
  Amsterdam"), which the address form reads in any language.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

#: Languages told apart from English. More languages make the detector slower and its
#: confusions with English more likely; these cover most shoppers who would write to a shop.
LANGUAGES = [
    *("ENGLISH", "SPANISH", "FRENCH", "GERMAN", "ITALIAN", "PORTUGUESE", "DUTCH", "SWEDISH", "DANISH"),
    *("BOKMAL", "POLISH", "CZECH", "ROMANIAN", "HUNGARIAN", "TURKISH", "INDONESIAN", "VIETNAMESE"),
    *("TAGALOG", "RUSSIAN", "UKRAINIAN", "GREEK", "ARABIC", "PERSIAN", "HEBREW", "HINDI", "CHINESE"),
    *("JAPANESE", "KOREAN", "THAI"),
]

#: Unicode script (first word of the character name) -> ISO 639-1 code of its likeliest language.
SCRIPTS = {
    "CJK": "zh",
    "HIRAGANA": "ja",
    "KATAKANA": "ja",
    "HANGUL": "ko",
    "CYRILLIC": "ru",
    "ARABIC": "ar",
    "GREEK": "el",
    "HEBREW": "he",
    "DEVANAGARI": "hi",
    "THAI": "th",
}
_WORD = re.compile(r"[^\W\d_]{2,}")
_LETTER = re.compile(r"[^\W\d_]")
_ANSWER = re.compile(r"#?\d{6,8}|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}|RMA-?\d{5,8}-\d{1,3}", re.I)
#: SQL injection and markup shapes: nobody asks a shop assistant for these in words.
_CODE = re.compile(
    r"('|\")\s*(or|and)\s+('?\d+'?\s*=\s*'?\d+|'[^']*'\s*=\s*')"
    r"|\b(drop|truncate|alter)\s+(table|database)\b|\bdelete\s+from\s+\w+\s*(where\b|;|$)|\binsert\s+into\s+\w+"
    r"|\bupdate\s+\w+\s+set\s+\w+\s*=|\bunion\s+(all\s+)?select\b|\bselect\s+\*\s+from\b|/\*.*\*/"
    r"""|[;'")]\s*--"""
    r"|<\s*/?\s*(script|img|iframe|svg|a|div|body)\b|\bjavascript:|\{\{.*\}\}|\$\{.*\}",
    re.I,
)
_ADDRESS = re.compile(r"\d.*,|,.*\d")
OUT_OF_SCOPE = "out_of_scope"


def script_language(text: str) -> str | None:
    """The language of a message written mostly in a non-Latin script, else None."""
    counts: dict[str, int] = {}
    letters = 0
    for char in text:
        if not char.isalpha():
            continue
        letters += 1
        script = unicodedata.name(char, "").split(" ")[0]
        if script in SCRIPTS:
            counts[SCRIPTS[script]] = counts.get(SCRIPTS[script], 0) + 1
    if not letters or sum(counts.values()) < max(1, letters // 2):
        return None
    # Japanese mixes kana with CJK ideographs: any kana means Japanese.
    if counts.get("ja"):
        return "ja"
    return max(counts, key=counts.get)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class MessageGate(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"min_words": 3, "min_confidence": 0.6, "max_english": 0.05}

    @staticmethod
    def required_packages() -> list[str]:
        return ["lingua"]

    def __init__(self, config: dict[str, Any]) -> None:
        from lingua import Language, LanguageDetectorBuilder

        self.min_words = int(config["min_words"])
        self.min_confidence = float(config["min_confidence"])
        self.max_english = float(config["max_english"])
        languages = [getattr(Language, name) for name in LANGUAGES]
        # Preloaded at start (a few seconds, once) so that no shopper's message waits for it.
        self.detector = (
            LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models().build()
        )
        self.english = Language.ENGLISH

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MessageGate:
        return cls(config)

    def unreadable(self, text: str) -> str | None:
        """ "code", "none", or the language code of a message the assistant cannot read; else None."""
        if _CODE.search(text):
            return "code"
        if not _LETTER.search(text) and not _ANSWER.search(text):
            return "none"
        return self.detect(text)

    def detect(self, text: str) -> str | None:
        """ISO 639-1 code of the message's language when it is clearly not English, else None."""
        by_script = script_language(text)
        if by_script:
            return by_script
        if len(_WORD.findall(text)) < self.min_words or _ADDRESS.search(text):
            return None
        values = self.detector.compute_language_confidence_values(text)
        if not values:
            return None
        best = values[0]
        english = next((v.value for v in values if v.language == self.english), 0.0)
        if best.language == self.english or best.value < self.min_confidence or english > self.max_english:
            return None
        return best.language.iso_code_639_1.name.lower()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue  # a button payload
            language = self.unreadable(text)
            if language is None:
                continue
            intent = {INTENT_NAME_KEY: OUT_OF_SCOPE, PREDICTED_CONFIDENCE_KEY: 1.0}
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
            entity = {
                ENTITY_ATTRIBUTE_TYPE: "language",
                ENTITY_ATTRIBUTE_VALUE: language,
                ENTITY_ATTRIBUTE_START: 0,
                ENTITY_ATTRIBUTE_END: len(text),
                EXTRACTOR: type(self).__name__,
            }
            message.set(ENTITIES, [entity], add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
