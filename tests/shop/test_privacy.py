"""Personal data is masked in logs and in text that leaves the conversation."""

from __future__ import annotations

import logging

import pytest

from shop.privacy import PiiMaskingFilter, install_pii_masking, mask_email, mask_pii


@pytest.mark.parametrize(
    ("text", "hidden", "masked_as"),
    [
        ("my email is Alice.Moreno+shop@example.com thanks", "lice.Moreno+shop", "A***@example.com"),
        ("call me on +1 (555) 123-4567", "123-4567", "[phone]"),
        ("phone 0049 30 1234567", "1234567", "[phone]"),
        ("ship it to 221B Baker Street please", "Baker", "[address]"),
        ("new address: 12 main st., springfield", "main st", "[address]"),
        ("bitte an Musterstraße 12a in Berlin", "Musterstraße", "[address]"),
        ("livrer au Rue de la Paix 12", "Paix", "[address]"),
        ("tracking 1Z999AA10123456784", "1Z999AA1012345", "***6784"),
        ("parcel JD014600003828482356 is late", "JD01460000382848", "***2356"),
    ],
)
def test_personal_data_is_masked(text, hidden, masked_as):
    masked = mask_pii(text)
    assert hidden not in masked
    assert masked_as in masked


@pytest.mark.parametrize(
    "text",
    [
        "where is my order 100234",
        "return RMA-100239-1 please",
        "it cost $1,299.00 on 2026-11-23 at 12:00",
        "2026-11-23 05:20:47",
        "I need size 42 in blue, 2 pairs",
        "recommendation 5f1c9a0e2b7d4c3a",
    ],
)
def test_what_support_needs_and_what_identifies_nobody_stays_readable(text):
    assert mask_pii(text) == text


def test_tracking_numbers_may_be_kept_where_the_shopper_needs_them():
    assert mask_pii("tracking 1Z999AA10123456784", tracking_numbers=False) == "tracking 1Z999AA10123456784"


def test_mask_email_keeps_the_first_letter_and_domain():
    assert mask_email("bob@example.com") == "b***@example.com"


def test_the_logging_filter_masks_messages_arguments_and_tracebacks():
    logger = logging.getLogger("test.privacy")
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Collect()
    handler.addFilter(PiiMaskingFilter())
    logger.addHandler(handler)
    try:
        logger.warning("lookup by %s for %s", "alice@example.com", "12 Main Street")
        try:
            raise ValueError("bad email bob@example.com")
        except ValueError:
            logger.exception("failed for +44 20 7946 0958")
    finally:
        logger.removeHandler(handler)
    joined = "\n".join(records)
    assert "alice@example.com" not in joined and "a***@example.com" in joined
    assert "Main Street" not in joined
    assert "bob@example.com" not in joined and "b***@example.com" in joined  # in the traceback
    assert "7946" not in joined
    assert "Traceback" in joined


def test_install_adds_one_filter_to_every_handler_of_the_logger():
    logger = logging.getLogger("test.privacy.install")
    first, second = logging.StreamHandler(), logging.StreamHandler()
    logger.addHandler(first)
    logger.addHandler(second)
    try:
        install_pii_masking(logger)
        install_pii_masking(logger)  # idempotent
        for handler in (first, second):
            assert sum(isinstance(f, PiiMaskingFilter) for f in handler.filters) == 1
    finally:
        logger.removeHandler(first)
        logger.removeHandler(second)
