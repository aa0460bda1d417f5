"""The realistic evaluation corpus (bot/tests/nlu/realistic/) is as big and as wide as issue 17
asks: every agreed intent, off-topic domains, other languages."""

from __future__ import annotations

from collections import Counter

import yaml

from shopbot.nlu_realistic import DEFAULT_CORPUS, load_corpus

#: The agreed intent names (coordination of issue 17), without `inform` and `out_of_scope`.
SMALL_TALK = {"greet", "goodbye", "affirm", "deny", "thank"}
INTENTS = SMALL_TALK | {
    "help", "stop", "order_status", "cancel_order", "change_address", "return_item",
    "refund_status", "ask_policy", "complaint", "request_human", "search_product",
    "refine_search", "show_more", "product_question", "similar_items", "recommend",
    "add_to_cart", "view_cart", "update_cart_quantity", "remove_from_cart", "empty_cart",
    "checkout", "shipping_options", "change_order_items", "invoice", "account_help",
    "newsletter", "leave_review", "gift_ideas", "complementary_items", "compare_products",
    "export_my_data", "delete_my_data", "tracking_consent",
}  # fmt: skip


def test_every_agreed_intent_has_enough_messages() -> None:
    messages = load_corpus()
    per_intent = Counter(m.intent for m in messages.values() if m.kind == "in_scope")
    assert set(per_intent) == INTENTS
    assert sum(per_intent.values()) >= 2000
    for intent, count in per_intent.items():
        assert count >= (30 if intent in SMALL_TALK else 60), intent


def test_off_topic_spans_15_domains_and_other_languages_100_messages() -> None:
    messages = load_corpus().values()
    assert sum(m.kind == "off_topic" for m in messages) >= 600
    assert sum(m.kind == "other_language" for m in messages) >= 100
    # one block per domain / per language
    domains = yaml.safe_load((DEFAULT_CORPUS / "offtopic.yml").read_text())["nlu"]
    languages = yaml.safe_load((DEFAULT_CORPUS / "other_languages.yml").read_text())["nlu"]
    assert len(domains) >= 15
    assert len(languages) >= 12
