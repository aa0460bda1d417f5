"""The assistant's replies as typed values, parsed from what Rasa sends to a channel.

Rasa hands a channel one dict per bot message: from the REST webhook
(`{"recipient_id", "text", "buttons", "image", "custom"}`) or, in a tracker's history, a bot
event (`{"event": "bot", "text", "data": {"buttons", "image", "custom", ...}}`). Our actions put
product cards and the handoff into `custom` (the dialogue's contract):

    {"type": "product_cards", "products": [{"id", "sku", "title", "price", "currency",
      "image_url", "rating", "rating_count", "in_stock", "stock", "reason", "buttons": [...]}]}
    {"type": "handoff", "ticket_id": 17}

Both channels (the web widget and `shopbot chat`) render these values, so the parsing lives
here once. Parsing is lenient: a malformed field is dropped rather than failing the reply, because
a shopper must never see a stack trace because one card lacked a rating.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Button:
    """A choice the shopper can press; pressing sends `payload` as their message."""

    title: str
    payload: str


@dataclass(frozen=True, slots=True)
class ProductCard:
    id: int
    title: str
    price: str
    currency: str
    sku: str = ""
    image_url: str | None = None
    rating: float | None = None
    rating_count: int = 0
    in_stock: bool = True
    stock: int | None = None
    reason: str | None = None
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class Reply:
    """One message of the assistant. Any part may be empty."""

    text: str = ""
    buttons: tuple[Button, ...] = ()
    cards: tuple[ProductCard, ...] = ()
    handoff_ticket: int | None = None
    image_url: str | None = None
    #: Custom payloads of a type this version does not know (kept, not rendered).
    unknown: tuple[Mapping[str, Any], ...] = field(default=())

    @property
    def is_handoff(self) -> bool:
        return self.handoff_ticket is not None

    @property
    def choices(self) -> tuple[Button, ...]:
        """Every button of the reply in reading order: each card's, then the reply's own."""
        return tuple(b for card in self.cards for b in card.buttons) + self.buttons

    @property
    def is_empty(self) -> bool:
        return not (self.text or self.buttons or self.cards or self.is_handoff or self.image_url)


def _str(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _float(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def parse_buttons(raw: object) -> tuple[Button, ...]:
    if not isinstance(raw, list):
        return ()
    buttons = []
    for item in raw:
        if not isinstance(item, Mapping):
            continue
        title, payload = _str(item.get("title")), _str(item.get("payload"))
        if title and payload:
            buttons.append(Button(title=title, payload=payload))
    return tuple(buttons)


def parse_card(raw: object) -> ProductCard | None:
    if not isinstance(raw, Mapping):
        return None
    product_id, title, price = _int(raw.get("id")), _str(raw.get("title")), _str(raw.get("price"))
    if product_id is None or not title or price is None:
        return None
    stock = _int(raw.get("stock"))
    in_stock = raw.get("in_stock")
    return ProductCard(
        id=product_id,
        title=title,
        price=price,
        currency=_str(raw.get("currency")) or "",
        sku=_str(raw.get("sku")) or "",
        image_url=_str(raw.get("image_url")),
        rating=_float(raw.get("rating")),
        rating_count=_int(raw.get("rating_count")) or 0,
        in_stock=bool(in_stock) if isinstance(in_stock, bool) else (stock is None or stock > 0),
        stock=stock,
        reason=_str(raw.get("reason")),
        buttons=parse_buttons(raw.get("buttons")),
    )


def parse_reply(message: Mapping[str, Any]) -> Reply:
    """A REST channel message, or a tracker bot event's `{"text", **data}`, as a `Reply`."""
    text = _str(message.get("text")) or ""
    buttons = parse_buttons(message.get("buttons")) or parse_buttons(message.get("quick_replies"))
    cards: tuple[ProductCard, ...] = ()
    handoff_ticket: int | None = None
    unknown: list[Mapping[str, Any]] = []
    custom = message.get("custom")
    if isinstance(custom, Mapping):
        kind = custom.get("type")
        if kind == "product_cards":
            products = custom.get("products")
            parsed = (parse_card(p) for p in products) if isinstance(products, list) else ()
            cards = tuple(card for card in parsed if card is not None)
        elif kind == "handoff":
            handoff_ticket = _int(custom.get("ticket_id"))
            if handoff_ticket is None:
                handoff_ticket = 0  # a handoff without a ticket number is still a handoff
            text = text or (_str(custom.get("text")) or "")
        else:
            unknown.append(custom)
            text = text or (_str(custom.get("text")) or "")
    return Reply(
        text=text,
        buttons=buttons,
        cards=cards,
        handoff_ticket=handoff_ticket,
        image_url=_str(message.get("image")),
        unknown=tuple(unknown),
    )


def parse_replies(messages: Iterable[Mapping[str, Any]]) -> list[Reply]:
    """The REST webhook's answer (a JSON list) as replies, skipping empty ones."""
    replies = [parse_reply(m) for m in messages if isinstance(m, Mapping)]
    return [r for r in replies if not r.is_empty]


def humanize_payload(payload: str) -> str:
    """What a shopper's button press looked like when its title is unknown: '/similar_items{..}'
    -> 'similar items'."""
    intent = payload.lstrip("/").split("{", 1)[0].split("@", 1)[0]
    return intent.replace("_", " ").strip() or payload
