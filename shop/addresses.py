"""Shipping addresses: the typed value and its validation.

Countries are recognised with `pycountry` (ISO 3166: "DE", "DEU", "Germany" and a few
everyday aliases like "UK"), so we never keep our own list of countries. Postcodes are
checked against the format of the countries we ship to most; other countries get a
generic plausibility check rather than a refusal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import pycountry

from shop.refusals import Refusal, Refused

#: Everyday names that ISO 3166 does not list.
_COUNTRY_ALIASES = {
    "UK": "GB",
    "ENGLAND": "GB",
    "SCOTLAND": "GB",
    "WALES": "GB",
    "GREAT BRITAIN": "GB",
    "AMERICA": "US",
    "USA": "US",
    "UNITED STATES OF AMERICA": "US",
    "THE NETHERLANDS": "NL",
    "HOLLAND": "NL",
    "DEUTSCHLAND": "DE",
}

_POSTCODE_FORMATS: dict[str, str] = {
    "US": r"\d{5}(-\d{4})?",
    "CA": r"[A-Z]\d[A-Z] ?\d[A-Z]\d",
    "GB": r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}",
    "IE": r"[A-Z]\d{2} ?[A-Z\d]{4}",
    "DE": r"\d{5}",
    "FR": r"\d{5}",
    "ES": r"\d{5}",
    "IT": r"\d{5}",
    "FI": r"\d{5}",
    "NL": r"\d{4} ?[A-Z]{2}",
    "BE": r"\d{4}",
    "AT": r"\d{4}",
    "CH": r"\d{4}",
    "DK": r"\d{4}",
    "NO": r"\d{4}",
    "AU": r"\d{4}",
    "SE": r"\d{3} ?\d{2}",
    "PL": r"\d{2}-\d{3}",
    "PT": r"\d{4}-\d{3}",
    "JP": r"\d{3}-?\d{4}",
}
_GENERIC_POSTCODE = r"[A-Z0-9][A-Z0-9 -]{1,8}[A-Z0-9]"

#: Column sizes of the orders table (shop.models.Order.shipping_*).
_MAX_LENGTH = {"name": 200, "street": 200, "city": 100, "postcode": 20}


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address. `name` may be None in a change request: the order's name is kept."""

    street: str
    city: str
    postcode: str
    country: str
    name: str | None = None

    def one_line(self) -> str:
        head = f"{self.name}, " if self.name else ""
        return f"{head}{self.street}, {self.postcode} {self.city}, {self.country}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "street": self.street,
            "city": self.city,
            "postcode": self.postcode,
            "country": self.country,
        }


class InvalidAddress(Refused):
    """`fields` maps each bad field to what is wrong with it, so a form can re-ask just those."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        self.fields = dict(fields)
        super().__init__(Refusal.INVALID_ADDRESS, " ".join(self.fields.values()))


def normalize_country(value: str) -> str | None:
    """ISO 3166 alpha-2 code for a code or a name, or None if it is not a country."""
    text = " ".join(value.split()).strip(" .")
    if not text:
        return None
    alias = _COUNTRY_ALIASES.get(text.upper())
    if alias:
        return alias
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        return None


def _clean(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def validate_address(address: Address | Mapping[str, Any]) -> Address:
    """The address, trimmed and normalised (country code, postcode case), or `InvalidAddress`."""
    raw = address.to_dict() if isinstance(address, Address) else dict(address)
    errors: dict[str, str] = {}
    name = _clean(raw.get("name")) or None
    street = _clean(raw.get("street"))
    city = _clean(raw.get("city"))
    postcode = _clean(raw.get("postcode")).upper()
    country_text = _clean(raw.get("country"))

    country = normalize_country(country_text) if country_text else None
    if not country_text:
        errors["country"] = "Please tell me the country."
    elif country is None:
        errors["country"] = f"I don't recognise the country '{country_text}'."

    if len(street) < 3 or not re.search(r"[^\W\d_]", street):
        errors["street"] = "Please give the street and house number."
    elif len(street) > _MAX_LENGTH["street"]:
        errors["street"] = "That street line is too long."
    if not city or not re.search(r"[^\W\d_]", city):
        errors["city"] = "Please give the town or city."
    elif len(city) > _MAX_LENGTH["city"]:
        errors["city"] = "That city name is too long."
    if name is not None and len(name) > _MAX_LENGTH["name"]:
        errors["name"] = "That name is too long."

    if not postcode:
        errors["postcode"] = "Please give the postcode."
    else:
        pattern = _POSTCODE_FORMATS.get(country or "", _GENERIC_POSTCODE)
        if not re.fullmatch(pattern, postcode):
            where = f" for {pycountry.countries.get(alpha_2=country).name}" if country else ""
            errors["postcode"] = f"'{postcode}' doesn't look like a valid postcode{where}."

    if errors:
        raise InvalidAddress(errors)
    assert country is not None
    return Address(street=street, city=city, postcode=postcode, country=country, name=name)


def same_place(a: Address, b: Address) -> bool:
    """Whether two validated addresses name the same place (name and case aside)."""

    def key(address: Address) -> tuple[str, ...]:
        plain = replace(address, name=None)
        return tuple(v.casefold().replace(" ", "") for v in plain.to_dict().values() if v is not None)

    return key(a) == key(b)
