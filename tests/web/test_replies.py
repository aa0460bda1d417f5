"""Parsing the assistant's messages (web/replies.py) and rebuilding a conversation from Rasa's
tracker (web/transcript.py): lenient with malformed parts, exact with good ones."""

from __future__ import annotations

from web.replies import parse_replies, parse_reply
from web.transcript import safe_image_url, transcript_from_tracker

GOOD_CARD = {"id": 7, "title": "Trail Jacket", "price": "89.99", "currency": "USD", "stock": 0}


def test_a_malformed_card_is_left_out_and_the_rest_is_shown() -> None:
    reply = parse_reply(
        {
            "custom": {
                "type": "product_cards",
                "products": [
                    {"title": "no id", "price": "1.00"},
                    {"id": 8, "title": "bad price", "price": None},
                    "not even a dict",
                    {**GOOD_CARD, "rating": "n/a", "buttons": [{"title": "Add to cart"}, {"payload": "/x"}]},
                ],
            }
        }
    )
    assert [card.title for card in reply.cards] == ["Trail Jacket"]
    card = reply.cards[0]
    assert card.rating is None and card.buttons == () and card.in_stock is False  # stock 0 means out


def test_a_handoff_without_a_ticket_number_is_still_a_handoff() -> None:
    assert parse_reply({"custom": {"type": "handoff"}}).is_handoff
    assert parse_reply({"custom": {"type": "handoff", "ticket_id": "17"}}).handoff_ticket == 17


def test_an_unknown_custom_payload_shows_its_text_and_is_kept() -> None:
    reply = parse_reply({"custom": {"type": "survey", "text": "How did we do?"}})
    assert reply.text == "How did we do?" and reply.unknown[0]["type"] == "survey"


def test_empty_messages_are_dropped() -> None:
    assert parse_replies([{"recipient_id": "x"}, {"text": ""}, {"text": "hi"}, "junk"]) == [
        parse_reply({"text": "hi"})
    ]


def test_only_harmless_image_urls_reach_the_page() -> None:
    assert safe_image_url("/static/img/categories/jackets.svg") == "/static/img/categories/jackets.svg"
    assert safe_image_url("data:image/svg+xml;base64,AAAA") == "data:image/svg+xml;base64,AAAA"
    assert safe_image_url("javascript:alert(1)") is None
    assert safe_image_url("//evil.example/x.png") is None


def test_the_transcript_skips_events_it_cannot_show_and_humanizes_unknown_payloads() -> None:
    tracker = {
        "events": [
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": "/greet"},
            {"event": "bot", "text": None, "data": {}},
            {
                "event": "bot",
                "text": "Hi!",
                "data": {"buttons": [{"title": "Show deals", "payload": "/deals"}]},
            },
            {"event": "user", "text": "/deals"},
            {
                "event": "bot",
                "text": "Passing you on.",
                "data": {"custom": {"type": "handoff", "ticket_id": 3}},
            },
            "junk",
        ],
        "paused": True,
    }
    transcript = transcript_from_tracker(tracker)
    assert [(m["role"], m["text"]) for m in transcript.messages] == [
        ("user", "greet"),
        ("bot", "Hi!"),
        ("user", "Show deals"),
        ("bot", "Passing you on."),
    ]
    assert transcript.paused and transcript.handoff_ticket == 3


def test_the_handoff_state_ends_when_the_bot_speaks_again() -> None:
    tracker = {
        "events": [
            {"event": "bot", "text": "", "data": {"custom": {"type": "handoff", "ticket_id": 3}}},
            {"event": "bot", "text": "I'm back.", "data": {}},
        ]
    }
    assert transcript_from_tracker(tracker).handoff_ticket is None
