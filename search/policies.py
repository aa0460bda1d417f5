"""The shop-policy knowledge base (shipping, returns, refunds, payment, warranty, order changes,
privacy), answered by the same hybrid retrieval as products, with a confidence threshold.

Policies live in `data/policies/*.md`, one topic per file; each `## Heading` (phrased as the
question it answers) is one passage, and an optional `<!-- also: ..., ... -->` line lists other
ways shoppers ask it. Facts that the shop's settings own are placeholders rendered from
`shop.config.get_settings()`: `{return_window_days}`, `{currency}`, `{currency_symbol}`; a
passage can never contradict the settings.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from search.answers import Answer
from search.lexical import LexicalIndex

if TYPE_CHECKING:
    from search.embedding import Embedder
    from shop.config import Settings

POLICY_DIR = Path(__file__).resolve().parent.parent / "data" / "policies"
#: Minimum cosine between the question and a passage's best phrasing. Calibrated on
#: data/search_eval/policy_questions.jsonl (in-scope vs out-of-scope questions).
POLICY_THRESHOLD = 0.5
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "\u20ac", "GBP": "\u00a3"}


class PolicyTemplateError(ValueError):
    """A policy file uses a placeholder the settings do not provide."""


@dataclass(frozen=True)
class PolicyPassage:
    #: "<file stem>/<heading slug>", e.g. "returns/how-long-do-i-have-to-return-an-item".
    id: str
    topic: str
    question: str
    #: Other phrasings of the question.
    alternates: tuple[str, ...]
    answer: str


def settings_facts(settings: Settings | None = None) -> dict[str, Any]:
    """The values policy text may refer to."""
    from shop.config import get_settings

    settings = settings or get_settings()
    return {
        "return_window_days": settings.return_window_days,
        "currency": settings.currency,
        "currency_symbol": CURRENCY_SYMBOLS.get(settings.currency, settings.currency + " "),
    }


def render(text: str, facts: dict[str, Any], source: str) -> str:
    fields = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    missing = fields - facts.keys()
    if missing:
        raise PolicyTemplateError(f"{source}: unknown placeholder(s) {sorted(missing)}")
    return text.format_map(facts)


def read_passages(directory: Path = POLICY_DIR, settings: Settings | None = None) -> list[PolicyPassage]:
    facts = settings_facts(settings)
    passages: list[PolicyPassage] = []
    for path in sorted(directory.glob("*.md")):
        text = render(path.read_text(encoding="utf-8"), facts, path.name)
        topic = path.stem
        for block in re.split(r"^## +", text, flags=re.M)[1:]:
            heading, _, body = block.partition("\n")
            alternates: tuple[str, ...] = ()
            also = re.search(r"<!--\s*also:(.*?)-->", body, flags=re.S)
            if also:
                alternates = tuple(a.strip() for a in also.group(1).split(",") if a.strip())
                body = body.replace(also.group(0), "")
            answer = re.sub(r"\n{2,}", "\n", body).strip()
            slug = re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")
            passages.append(PolicyPassage(f"{topic}/{slug}", topic, heading.strip(), alternates, answer))
    return passages


class PolicyKnowledgeBase:
    """Answers policy questions from `data/policies`, or admits it does not know."""

    def __init__(
        self,
        passages: list[PolicyPassage],
        *,
        embedder: Embedder | None = None,
        threshold: float = POLICY_THRESHOLD,
    ) -> None:
        if embedder is None:
            from search.embedding import shared_embedder

            embedder = shared_embedder()
        self.passages = passages
        self.embedder = embedder
        self.threshold = threshold
        # Each passage is represented by several texts (question, alternates, answer); a question
        # scores against the best of them.
        owners: list[int] = []
        texts: list[str] = []
        for i, p in enumerate(passages):
            for text in (p.question, *p.alternates, f"{p.question} {p.answer}"):
                owners.append(i)
                texts.append(text)
        self._owners = np.asarray(owners, dtype=np.int64)
        self._vectors = embedder.encode(texts)
        self._lexical = LexicalIndex.build(
            [f"{p.question} {' '.join(p.alternates)} {p.answer}" for p in passages]
        )

    @classmethod
    def load(
        cls,
        directory: Path | None = None,
        *,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        threshold: float = POLICY_THRESHOLD,
    ) -> PolicyKnowledgeBase:
        return cls(read_passages(directory or POLICY_DIR, settings), embedder=embedder, threshold=threshold)

    def scores(self, question: str) -> np.ndarray:
        """Per passage: best cosine over its phrasings, nudged by BM25 agreement (ties, near-ties)."""
        cosine = self._vectors @ self.embedder.encode_query(question)
        best = np.full(len(self.passages), -1.0, dtype=np.float32)
        np.maximum.at(best, self._owners, cosine)
        lexical = self._lexical.scores(question)
        if lexical.max() > 0:
            best = best + 0.05 * lexical / lexical.max()
        return best

    def answer(self, question: str) -> Answer:
        """The passage answering `question`, or `confident=False` below the threshold."""
        if not self.passages or not question.strip():
            return Answer("I don't know the answer to that, sorry.", confident=False, source="none")
        scores = self.scores(question)
        best = int(np.argmax(scores))
        score = float(scores[best])
        if score < self.threshold:
            return Answer(
                "I don't know the answer to that, sorry. I can connect you with a person if you like.",
                confident=False,
                source="none",
                score=score,
            )
        passage = self.passages[best]
        return Answer(passage.answer, confident=True, source="policy", field=passage.id, score=score)
