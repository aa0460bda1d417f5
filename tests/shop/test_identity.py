"""Who is asking: signed identity tokens in message metadata, and guests' email proof."""

from __future__ import annotations

import pytest

from shop.config import get_settings
from shop.identity import (
    GUEST,
    IDENTITY_METADATA_KEY,
    Requester,
    emails_match,
    requester_from_metadata,
    sign_identity,
    verify_identity_token,
)

SECRET = "test-secret-0123456789"
NOW = 1_800_000_000


@pytest.fixture
def configured_secret(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SHOPBOT_IDENTITY_SECRET", SECRET)
    get_settings.cache_clear()
    yield SECRET
    get_settings.cache_clear()


def test_a_token_signed_with_the_secret_proves_the_customer():
    token = sign_identity(1, issued_at=NOW, secret=SECRET)
    assert verify_identity_token(token, now=NOW + 5, secret=SECRET) == Requester.customer(1)


def test_the_secret_comes_from_the_environment(configured_secret):
    token = sign_identity(2, issued_at=NOW)
    requester = requester_from_metadata({IDENTITY_METADATA_KEY: token}, now=NOW)
    assert requester.customer_id == 2
    assert not requester.is_guest


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t.replace("v1.1.", "v1.2.", 1),  # someone else's id under Alice's signature
        lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"),  # one character of the MAC changed
        lambda t: t.rsplit(".", 1)[0] + "." + "0" * 64,  # made-up MAC
        lambda t: t.rsplit(".", 1)[0],  # MAC missing
        lambda t: "v2" + t[2:],  # unknown version
        lambda t: t.replace(f".{NOW}.", f".{NOW + 1}.", 1),  # issued-at changed to extend it
        lambda t: "",
        lambda t: "1",
        lambda t: "v1.-1.0.abc",
    ],
)
def test_a_forged_or_tampered_token_means_guest(forge):
    token = sign_identity(1, issued_at=NOW, secret=SECRET)
    assert verify_identity_token(forge(token), now=NOW, secret=SECRET) == GUEST


def test_a_token_signed_with_another_secret_means_guest():
    token = sign_identity(1, issued_at=NOW, secret="someone-elses-secret")
    assert verify_identity_token(token, now=NOW, secret=SECRET).is_guest


def test_an_expired_token_means_guest():
    token = sign_identity(1, issued_at=NOW, secret=SECRET)
    assert verify_identity_token(token, now=NOW + 3600, secret=SECRET, max_age_seconds=3600) == Requester(1)
    assert verify_identity_token(token, now=NOW + 3601, secret=SECRET, max_age_seconds=3600).is_guest


def test_a_token_from_the_future_means_guest():
    token = sign_identity(1, issued_at=NOW + 3600, secret=SECRET)
    assert verify_identity_token(token, now=NOW, secret=SECRET).is_guest


def test_without_a_configured_secret_every_token_means_guest(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("SHOPBOT_IDENTITY_SECRET", raising=False)
    get_settings.cache_clear()
    try:
        # Even a token whose MAC was taken with the empty key proves nothing.
        token = sign_identity(1, issued_at=NOW, secret="x").rsplit(".", 1)[0]
        import hashlib
        import hmac

        empty_key_token = token + "." + hmac.new(b"", token.encode(), hashlib.sha256).hexdigest()
        assert requester_from_metadata({IDENTITY_METADATA_KEY: empty_key_token}, now=NOW).is_guest
        with pytest.raises(ValueError):
            sign_identity(1)
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize("metadata", [None, {}, {"customer_id": 1}, {IDENTITY_METADATA_KEY: 1}, "token", []])
def test_missing_metadata_or_a_bare_customer_id_means_guest(configured_secret, metadata):
    assert requester_from_metadata(metadata, now=NOW) == GUEST


def test_only_positive_integer_customer_ids_can_be_signed():
    for bad in (0, -1, True, "1", 1.0):
        with pytest.raises(ValueError):
            sign_identity(bad, secret=SECRET)  # type: ignore[arg-type]


@pytest.mark.parametrize("given", ["guest@example.com", " Guest@Example.COM ", "GUEST@EXAMPLE.COM\n"])
def test_a_guest_email_matches_ignoring_case_and_surrounding_spaces(given):
    assert emails_match(given, "guest@example.com")


@pytest.mark.parametrize("given", [None, "", "guest@example.org", "guest @example.com", "gues@example.com"])
def test_a_different_or_missing_email_does_not_match(given):
    assert not emails_match(given, "guest@example.com")
