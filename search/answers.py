"""The answer type shared by product Q&A and the policy knowledge base."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

AnswerSource = Literal["attribute", "description", "policy", "none"]


@dataclass(frozen=True)
class Answer:
    """A grounded answer, or an honest "I don't know".

    `confident` is False exactly when nothing relevant was found (`source == "none"`); the text
    then says so, and a dialogue may offer a human instead.
    """

    text: str
    confident: bool
    source: AnswerSource
    #: The attribute name ("sizes", "waterproof"), or the policy section id, that grounded it.
    field: str | None = None
    #: Retrieval similarity for description/policy answers (1.0 for structured attributes).
    score: float = 0.0
