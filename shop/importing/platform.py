"""Helpers the platform readers share: header aliases, first-of-many values, an order's stages."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from shop import rowfields
from shop.importing.rows import StatusRow
from shop.models import OrderStatus

#: The stages an order goes through, in order; a platform's timestamps place each one.
STAGES = (OrderStatus.PLACED, OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED)


class Columns:
    """Reads a platform row by our names for its columns, whatever spelling the export used
    (platforms rename columns between versions: Shopify's 'Variant SKU' is now 'SKU')."""

    def __init__(self, aliases: dict[str, tuple[str, ...]]) -> None:
        self._aliases = {name: tuple(a.lower() for a in spellings) for name, spellings in aliases.items()}

    def get(self, raw: dict[str, Any], name: str) -> str:
        lowered = {key.lower().strip(): value for key, value in raw.items()} if raw else {}
        for spelling in self._aliases[name]:
            value = lowered.get(spelling)
            if value is not None and str(value).strip():
                return str(value).strip()
        return ""

    def present(self, header: Iterable[str], name: str) -> bool:
        names = {h.lower().strip() for h in header}
        return any(spelling in names for spelling in self._aliases[name])


def when(value: Any) -> datetime | None:
    """A platform timestamp, or None when it is missing or unreadable (the reader reports those)."""
    try:
        return rowfields.moment(value, "date")
    except rowfields.Invalid:
        return None


def stages(status: OrderStatus, times: dict[OrderStatus, datetime | None]) -> list[StatusRow]:
    """The history of an order that reached `status`: every stage with a time, in time order."""
    wanted = set(STAGES[: STAGES.index(status) + 1]) if status in STAGES else set(STAGES) | {status}
    rows = [StatusRow(s, at) for s, at in times.items() if at is not None and s in wanted]
    rows.sort(key=lambda r: r.at)
    if not rows or rows[-1].status != status:
        at = times.get(status) or (rows[-1].at if rows else None)
        if at is not None:
            rows.append(StatusRow(status, at))
    return rows


def split_list(value: str, separator: str = ",") -> list[str]:
    return [part.strip() for part in value.split(separator) if part.strip()]


SIZE_NAMES = {"size", "sizes", "größe", "taille"}
COLOR_NAMES = {"color", "colour", "farbe", "couleur"}
UNBRANDED = "Unbranded"
UNCATEGORIZED = "Uncategorized"
