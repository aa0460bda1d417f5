"""Masking of personal data (emails, phone numbers, street addresses, tracking numbers).

Used for logs (`PiiMaskingFilter`, on handlers so it sees every propagated record) and for
text that leaves the conversation, such as support-ticket summaries (`mask_pii`).

Regular expressions rather than an NER library (Presidio, scrubadub): the data we must hide
has regular shapes, the filter runs on every log record, and it must stay importable from
Rasa's own Python 3.10 environment with nothing but the standard library.

Order numbers (6 digits), RMA numbers, prices and dates are deliberately left readable:
they are what a support agent needs and they identify nobody on their own.
"""

from __future__ import annotations

import logging
import re

EMAIL_RE = re.compile(r"(?<![\w.+-])([\w.+-])[\w.+-]*@((?:[\w-]+\.)+[A-Za-z]{2,})\b")
# A run of digits with phone punctuation; kept only if it has 9-15 digits (E.164) below.
_PHONE_CANDIDATE_RE = re.compile(r"(?<![\w-])(?:\+|00)?\(?\d[\d ().\-/]{7,}\d(?![\w-])")
_STREET_WORDS = (
    "street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|"
    "terrace|square|sq|parkway|pkwy|highway|hwy|close|crescent|row|gardens"
)
#: "221B Baker Street", "12 main st." (house number first, English style).
_STREET_EN_RE = re.compile(
    rf"\b\d{{1,5}}[A-Za-z]?,?\s+(?:[A-Za-z][\w'.-]*\s+){{1,4}}(?:{_STREET_WORDS})\b\.?",
    re.IGNORECASE,
)
#: "Musterstraße 12a", "Hauptstr. 5", "Kirchweg 3" (house number after, German style).
_STREET_DE_RE = re.compile(
    r"\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm)\s*\d{1,4}[a-z]?\b"
)
#: "Rue de la Paix 12" / "Via Roma 5" / "Calle Mayor 3".
_STREET_ROMANCE_RE = re.compile(
    r"\b(?:rue|avenue|boulevard|via|viale|calle|avenida|rua|place)\s+(?:[\w'-]+\s+){0,4}\d{1,4}\b",
    re.IGNORECASE,
)
#: Carrier tracking numbers: "1Z999AA10123456784" (UPS), "JD014600003828482356", "LX123456789DE".
_TRACKING_RE = re.compile(r"\b(?=[A-Z0-9]*\d{6})(?=[A-Z0-9]*[A-Z])[A-Z0-9]{10,34}\b")
_LONG_DIGITS_RE = re.compile(r"\b\d{12,34}\b")

EMAIL_MASK = r"\1***@\2"
PHONE_MASK = "[phone]"
ADDRESS_MASK = "[address]"


def mask_email(email: str) -> str:
    """'alice@example.com' -> 'a***@example.com'."""
    return EMAIL_RE.sub(EMAIL_MASK, email)


def mask_tracking_number(tracking: str) -> str:
    """Keeps the last four characters, which is enough to tell two parcels apart."""
    tail = tracking[-4:]
    return f"***{tail}"


def _mask_phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    if not 9 <= digits <= 15 or re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", text):
        return text
    return PHONE_MASK


def mask_pii(text: str, *, tracking_numbers: bool = True) -> str:
    """`text` with emails, phone numbers, street addresses (and tracking numbers) masked."""
    if not text:
        return text
    text = EMAIL_RE.sub(EMAIL_MASK, text)
    if tracking_numbers:
        text = _TRACKING_RE.sub(lambda m: mask_tracking_number(m.group(0)), text)
        text = _LONG_DIGITS_RE.sub(lambda m: mask_tracking_number(m.group(0)), text)
    text = _PHONE_CANDIDATE_RE.sub(_mask_phone, text)
    for pattern in (_STREET_EN_RE, _STREET_DE_RE, _STREET_ROMANCE_RE):
        text = pattern.sub(ADDRESS_MASK, text)
    return text


class PiiMaskingFilter(logging.Filter):
    """A logging filter that masks PII in the formatted message and in tracebacks.

    Attach it to *handlers* (`install_pii_masking`), not loggers: a logger's filters do not
    see records propagated from its children. Usable from `logging.config.dictConfig` as
    ``{"()": "shop.privacy.PiiMaskingFilter"}``.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = str(record.msg)
        record.msg = mask_pii(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_pii(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_pii(record.stack_info)
        return True


def install_pii_masking(logger: logging.Logger | None = None) -> PiiMaskingFilter:
    """Add one masking filter to every handler of `logger` (default: the root logger)."""
    logger = logger or logging.getLogger()
    masking = next(
        (f for h in logger.handlers for f in h.filters if isinstance(f, PiiMaskingFilter)),
        PiiMaskingFilter(),
    )
    for handler in logger.handlers:
        if masking not in handler.filters:
            handler.addFilter(masking)
    return masking
