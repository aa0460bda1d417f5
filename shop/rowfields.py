"""Parsing one field of an import row: text, money, counts, flags, JSON, dates and choices.

Pure functions shared by every import schema (the catalog's in `shop.catalog_rows`, the shop
data's in `shop.importing.rows`, the platform readers): each returns the normalised value or
raises `Invalid` whose message is the reason shown to the user next to the line number.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from shop.config import SUPPORTED_CURRENCIES, get_settings

MAX_PRICE = Decimal("9999999999.99")
#: The largest count the database's INTEGER columns hold (stock, rating_count, quantity).
MAX_COUNT = 2**31 - 1
#: JSON in a row (attributes, variants, order lines) nests at most this deep; deeper is no
#: catalog data, and Python's JSON reader and writer would hit their recursion limit.
MAX_JSON_DEPTH = 16
#: Characters no field may hold: NUL (PostgreSQL refuses it in text), other C0 controls but
#: tab, line feed and carriage return (terminal escapes), DEL, and lone UTF-16 surrogates
#: (no UTF-8 exists for them: the database write or any printing would fail).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
#: Markup in a one-line name (a title, a brand): a tag like <b>, </a>, <img ...>, <!-- or <?.
_TAG = re.compile(r"<\s*/?\s*[A-Za-z!?][^<>]*>")
#: How much of a bad value a reason quotes.
SHOWN_LENGTH = 60
_TRUE = {"true", "1", "yes", "y"}
_FALSE = {"false", "0", "no", "n"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Invalid(ValueError):
    """A field's value is wrong; the message is the reason shown to the user."""


def shown(value: Any) -> str:
    """The value as a reason quotes it: repr, cut short, printable (never a lone surrogate)."""
    try:
        quoted = repr(value)
    except ValueError:  # an int too long to convert (Python's limit on digits)
        return f"(a {type(value).__name__} too long to show)"
    if len(quoted) > SHOWN_LENGTH:
        quoted = quoted[: SHOWN_LENGTH - 3] + "..."
    return quoted.encode("utf-8", "backslashreplace").decode("utf-8")


def clean_characters(value: str, name: str) -> str:
    """`value` unless it holds a character no field may hold (`_FORBIDDEN`); then `Invalid`."""
    found = _FORBIDDEN.search(value)
    if found:
        char = found.group()
        if char == "\x00":
            what = "a NUL character"
        elif "\ud800" <= char <= "\udfff":
            what = "a lone surrogate (not a character; the file's text is broken)"
        else:
            what = f"the control character U+{ord(char):04X}"
        raise Invalid(f"{name} holds {what}")
    return value


def no_markup(value: str | None, name: str) -> str | None:
    """A name shown as plain text everywhere: HTML tags in it are refused, not stored."""
    if value is not None and _TAG.search(value):
        raise Invalid(f"{name} must be plain text, not HTML (found a tag)")
    return value


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any, name: str, limit: int | None = None, *, id_like: bool = False) -> str | None:
    """Stripped text or None when empty; `id_like` accepts whole numbers (JSON writers like to turn
    numeric SKUs and ids into numbers)."""
    if value is None:
        return None
    if id_like and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise Invalid(f"{name} must be text, not {type(value).__name__}")
    value = clean_characters(value, name).strip()
    if not value:
        return None
    if limit and len(value) > limit:
        raise Invalid(f"{name} is longer than {limit} characters")
    return value


def money(value: Any, name: str = "price", *, allow_zero: bool = False) -> Decimal:
    """A decimal amount with at most 2 decimal places, > 0 (or >= 0 with `allow_zero`)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise Invalid(f"bad {name} {shown(value)}: not a number")
    raw = str(value).strip()
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise Invalid(f"bad {name} {shown(raw)}: not a number") from None
    if not amount.is_finite():
        raise Invalid(f"bad {name} {shown(raw)}: not a number")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise Invalid(f"bad {name} {shown(raw)}: must be {'0 or more' if allow_zero else 'greater than 0'}")
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise Invalid(f"bad {name} {shown(raw)}: more than 2 decimal places")
    if amount > MAX_PRICE:
        raise Invalid(f"bad {name} {shown(raw)}: too large")
    return amount.quantize(Decimal("0.01"))


def currency(value: Any) -> str:
    if blank(value):
        return get_settings().currency
    if not isinstance(value, str):
        raise Invalid(f"unknown currency {shown(value)}")
    code = value.strip().upper()
    if code not in SUPPORTED_CURRENCIES:
        supported = ", ".join(sorted(SUPPORTED_CURRENCIES))
        raise Invalid(f"unknown currency {shown(value.strip())} (supported: {supported})")
    return code


def count(value: Any, name: str, *, minimum: int = 0, maximum: int = MAX_COUNT) -> int:
    """A whole number from `minimum` to `maximum`; empty means `minimum` when that is 0."""
    if blank(value) and minimum == 0:
        return 0
    if isinstance(value, bool) or blank(value):
        raise Invalid(f"bad {name} {shown(value)}: must be a whole number >= {minimum}")
    try:
        number = int(str(value).strip())
    except ValueError:  # also an int of more digits than Python converts
        raise Invalid(f"bad {name} {shown(value)}: must be a whole number >= {minimum}") from None
    if number < minimum:
        raise Invalid(f"bad {name} {shown(value)}: must be a whole number >= {minimum}")
    if number > maximum:
        raise Invalid(f"bad {name} {shown(value)}: too large (at most {maximum:,})")
    return number


def rating(value: Any) -> float | None:
    if blank(value):
        return None
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError, OverflowError):
        raise Invalid(f"bad rating {shown(value)}: not a number") from None
    if not 0 <= number <= 5:
        raise Invalid(f"bad rating {shown(value)}: must be between 0 and 5")
    return round(number, 2)


def flag(value: Any, name: str, default: bool) -> bool:
    if blank(value):
        return default
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise Invalid(f"bad {name} {shown(value)}: use true or false")


def json_value(value: Any, name: str) -> Any:
    """CSV cells hold JSON as text; JSON Lines hold it directly."""
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise Invalid(f"bad JSON in {name}: {error.msg} (column {error.colno})") from None
        except RecursionError:
            raise Invalid(f"bad JSON in {name}: nested more than {MAX_JSON_DEPTH} deep") from None
        except ValueError:  # an integer of more digits than Python converts
            raise Invalid(f"bad JSON in {name}: a number too long") from None
    if json_depth(value) > MAX_JSON_DEPTH:
        raise Invalid(f"{name} is nested more than {MAX_JSON_DEPTH} deep")
    return value


def json_depth(value: Any) -> int:
    """How deep lists and objects nest in `value` (a scalar: 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


def json_objects(value: Any, name: str) -> list[dict[str, Any]] | None:
    parsed = json_value(value, name)
    if parsed is None:
        return None
    if not isinstance(parsed, list) or not all(isinstance(item, dict) for item in parsed):
        raise Invalid(f"{name} must be a JSON list of objects")
    return parsed


def moment(value: Any, name: str) -> datetime | None:
    """ISO 8601 date-time (a date alone means midnight) as naive UTC; an offset is converted."""
    if blank(value):
        return None
    if not isinstance(value, str):
        raise Invalid(f"bad {name} {shown(value)}: use an ISO 8601 date-time like 2026-11-02T14:05:00Z")
    raw = value.strip()
    candidate = raw.replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d \d", raw) else raw
    candidate = re.sub(r"\s+([+-]\d\d):?(\d\d)$", r"\1:\2", candidate)  # "10:15:00 -0500"
    try:
        parsed = datetime.fromisoformat(candidate.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(
            f"bad {name} {shown(raw)}: use an ISO 8601 date-time like 2026-11-02T14:05:00Z"
        ) from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed.replace(microsecond=0)


def day(value: Any, name: str) -> date | None:
    if blank(value):
        return None
    if not isinstance(value, str):
        raise Invalid(f"bad {name} {shown(value)}: use a date like 2026-11-04")
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise Invalid(f"bad {name} {shown(value.strip())}: use a date like 2026-11-04") from None


def choice(value: Any, name: str, allowed: Iterable[str]) -> str | None:
    if blank(value):
        return None
    options = list(allowed)
    lowered = str(value).strip().lower()
    if lowered not in options:
        raise Invalid(f"unknown {name} {shown(str(value).strip())} (use one of: {', '.join(options)})")
    return lowered


def email(value: Any, name: str = "email") -> str | None:
    address = text(value, name, 254)
    if address is None:
        return None
    if not _EMAIL.match(address):
        raise Invalid(f"bad {name} {shown(address)}")
    return address.lower()


def country(value: Any, name: str = "country") -> str | None:
    code = text(value, name)
    if code is None:
        return None
    if len(code) != 2 or not code.isalpha():
        raise Invalid(f"bad {name} {shown(code)}: use a two-letter ISO 3166 code like US or DE")
    return code.upper()
