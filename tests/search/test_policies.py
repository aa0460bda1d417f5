"""Shop policies come from data/policies, with settings-owned facts rendered from the settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.embedding import Embedder
from search.policies import PolicyKnowledgeBase, PolicyTemplateError, read_passages
from shop.config import Settings


@pytest.fixture(scope="module")
def policies(embedder: Embedder) -> PolicyKnowledgeBase:
    return PolicyKnowledgeBase.load(settings=Settings(return_window_days=30), embedder=embedder)


@pytest.mark.parametrize(
    ("question", "passage"),
    [
        ("how long do I have to send something back?", "returns/how-long-do-i-have-to-return-an-item"),
        ("do you take paypal?", "payment/which-payment-methods-do-you-accept"),
        ("when will my refund arrive", "refunds/when-will-i-get-my-refund"),
        ("can I cancel my order?", "orders/can-i-cancel-my-order"),
        ("is shipping free?", "shipping/how-much-does-shipping-cost"),
        ("what's the warranty on headphones?", "warranty/what-warranty-do-your-products-have"),
        ("delete my personal data", "privacy/can-i-delete-my-data"),
    ],
)
def test_policy_questions_find_their_passage(policies: PolicyKnowledgeBase, question: str, passage: str):
    answer = policies.answer(question)
    assert answer.confident and answer.source == "policy" and answer.field == passage


@pytest.mark.parametrize("question", ["what is the capital of peru?", "tell me a joke about cats"])
def test_questions_outside_the_policies_get_i_dont_know(policies: PolicyKnowledgeBase, question: str):
    answer = policies.answer(question)
    assert not answer.confident and "don't know" in answer.text


def test_the_return_window_comes_from_the_settings(embedder: Embedder):
    for days in (30, 45):
        kb = PolicyKnowledgeBase.load(settings=Settings(return_window_days=days), embedder=embedder)
        answer = kb.answer("how many days do I have to return an item?")
        assert f"{days} days" in answer.text


def test_no_policy_file_hard_codes_a_settings_fact():
    text = " ".join(p.read_text() for p in Path("data/policies").glob("*.md"))
    assert "30 days" not in text and "USD" not in text and "$" not in text


def test_an_unknown_placeholder_is_refused(tmp_path: Path):
    (tmp_path / "bad.md").write_text("# Bad\n\n## Question?\nWe ship in {delivery_days} days.\n")
    with pytest.raises(PolicyTemplateError, match="delivery_days"):
        read_passages(tmp_path)
