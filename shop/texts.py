"""Shopper-facing texts: one catalogue a shop can reword (and later translate) without code.

Every sentence the assistant says with shop data in it comes from `data/texts/<concern>.yml`
(one file per concern: orders, returns, cart, search, handoff, ...). A text is addressed as
"<concern>.<key>" and filled with `str.format` fields::

    say("cart.added", quantity=2, name="Trail runner")

Fixed replies that need no data stay in Rasa's responses (`bot/domain/`), where Rasa picks them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

TEXTS_DIR = Path(__file__).resolve().parent.parent / "data" / "texts"


class MissingText(KeyError):
    """A text key that no catalogue file defines: a bug in the caller, never shown to a shopper."""


@cache
def catalogue(directory: Path = TEXTS_DIR) -> dict[str, str]:
    """All texts, keyed "<concern>.<key>" (the concern is the file's name)."""
    texts: dict[str, str] = {}
    for path in sorted(directory.glob("*.yml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(entries, dict):
            raise ValueError(f"{path}: expected a mapping of key: text")
        for key, value in entries.items():
            if not isinstance(value, str):
                raise ValueError(f"{path}: {key} must be a string")
            texts[f"{path.stem}.{key}"] = value
    return texts


def say(key: str, **values: Any) -> str:
    """The text for `key`, its `{fields}` filled from `values`."""
    try:
        template = catalogue()[key]
    except KeyError:
        raise MissingText(key) from None
    return template.format(**values)
