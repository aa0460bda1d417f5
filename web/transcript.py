"""What the widget receives: the assistant's replies as JSON, with markdown already made safe HTML.

Markdown is rendered here, on the server, with markdown-it-py (CommonMark) and raw HTML disabled,
so bot text can never inject markup into the shop page; images are not rendered at all and links
only to this shop's own pages, so echoed shopper text cannot show another site's image or link.
The widget only inserts this HTML; everything else (card titles, button titles) it sets as text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt

from web.agents_conversation import agent_message_json
from web.replies import Button, ProductCard, Reply, humanize_payload, parse_reply

_markdown = MarkdownIt("commonmark", {"html": False, "breaks": True})
# Bot text can hold the shopper's own words ("Here's what I found for ..."), so markdown in it
# must not become an image from another site or a working link to one in the shop's own chat
# bubble: images are never rendered (a reply's picture comes in its `image` field), autolinks
# neither, and a link only when it stays on this shop (a path like /static/...). Anything else
# shows as the literal text that was written.
_markdown.disable(["image", "autolink"])


def _link_stays_on_this_shop(url: str) -> bool:
    url = url.strip()
    return url.startswith("/") and not url.startswith("//") and "\\" not in url and ":" not in url


_markdown.validateLink = _link_stays_on_this_shop  # type: ignore[method-assign]
#: Bounded, so a very long conversation does not make the page slow to restore.
MAX_HISTORY_MESSAGES = 200


def _open_links_in_new_tab(self, tokens, idx, options, env):  # type: ignore[no-untyped-def]
    tokens[idx].attrSet("target", "_blank")
    tokens[idx].attrSet("rel", "noopener noreferrer")
    return self.renderToken(tokens, idx, options, env)


_markdown.add_render_rule("link_open", _open_links_in_new_tab)


def markdown_to_html(text: str) -> str:
    return _markdown.render(text).strip() if text else ""


def safe_image_url(url: str | None) -> str | None:
    """Only images the page can show without surprises: our own static files, data: images and
    http(s) URLs. Anything else (javascript:, relative paths elsewhere) is dropped."""
    if not url:
        return None
    lowered = url.strip().lower()
    if lowered.startswith(("/static/", "data:image/", "https://", "http://")):
        return url.strip()
    return None


def _button_json(button: Button) -> dict[str, str]:
    return {"title": button.title, "payload": button.payload}


def _card_json(card: ProductCard) -> dict[str, Any]:
    return {
        "id": card.id,
        "sku": card.sku,
        "title": card.title,
        "price": card.price,
        "currency": card.currency,
        "image_url": safe_image_url(card.image_url),
        "rating": card.rating,
        "rating_count": card.rating_count,
        "in_stock": card.in_stock,
        "stock": card.stock,
        "reason": card.reason,
        "buttons": [_button_json(b) for b in card.buttons],
    }


def reply_json(reply: Reply) -> dict[str, Any]:
    """One bot message as the widget renders it."""
    return {
        "role": "bot",
        "text": reply.text,
        "html": markdown_to_html(reply.text),
        "buttons": [_button_json(b) for b in reply.buttons],
        "cards": [_card_json(c) for c in reply.cards],
        "handoff": {"ticket_id": reply.handoff_ticket} if reply.is_handoff else None,
        "image_url": safe_image_url(reply.image_url),
    }


def card_button_label(button: Button, card: ProductCard) -> str:
    """How a press of a card's button shows in the conversation: 'More like this: Trail Jacket'."""
    return f"{button.title}: {card.title}"


def user_json(text: str) -> dict[str, Any]:
    return {"role": "user", "text": text}


@dataclass(frozen=True)
class Transcript:
    messages: list[dict[str, Any]]
    #: True while Rasa has paused the conversation (a human has taken over).
    paused: bool
    #: The ticket of a handoff that the bot has not spoken after (0: a handoff without number).
    handoff_ticket: int | None


def transcript_from_tracker(tracker: Mapping[str, Any]) -> Transcript:
    """The conversation as the widget shows it, rebuilt from Rasa's tracker.

    A button press is stored by Rasa as its payload ('/add_to_cart{"product_id": 12}'); it is shown
    with the title of the button that sent it, as it was shown when pressed.
    """
    messages: list[dict[str, Any]] = []
    offered: dict[str, str] = {}  # payload -> title of the buttons shown so far
    handoff_ticket: int | None = None
    events = tracker.get("events")
    for event in events if isinstance(events, Sequence) else ():
        if not isinstance(event, Mapping):
            continue
        kind = event.get("event")
        if kind == "user":
            text = event.get("text")
            if not isinstance(text, str) or not text:
                continue
            if text.startswith("/"):
                text = offered.get(text) or humanize_payload(text)
            messages.append(user_json(text))
        elif kind == "bot":
            # A person's message or a notice (web/agents_conversation.py): shown as text; a person
            # still has the conversation.
            from_agent = agent_message_json(event)
            if from_agent is not None:
                messages.append(from_agent)
                continue
            data = event.get("data")
            reply = parse_reply({**(data if isinstance(data, Mapping) else {}), "text": event.get("text")})
            if reply.is_empty:
                continue
            # Labelled as the widget labels a press when it happens.
            for card in reply.cards:
                for button in card.buttons:
                    offered[button.payload] = card_button_label(button, card)
            for button in reply.buttons:
                offered[button.payload] = button.title
            # A human has the conversation from a handoff until the bot speaks again.
            handoff_ticket = reply.handoff_ticket if reply.is_handoff else None
            messages.append(reply_json(reply))
        elif kind == "resume":  # the agent handed the conversation back to the bot
            handoff_ticket = None
    paused = bool(tracker.get("paused"))
    return Transcript(messages=messages[-MAX_HISTORY_MESSAGES:], paused=paused, handoff_ticket=handoff_ticket)
