"""Read a postal address typed in one chat message into the fields `shop.addresses` validates.

Shoppers write addresses as comma- or line-separated parts, in the order of their country:

    "12 Oak Street, 10115 Berlin, Germany"          street, postcode city, country
    "5 Main St, Springfield, 62704, US"             street, city, postcode, country
    "221B Baker Street, London NW1 6XE, UK"         street, city postcode, country
    "Jane Doe, 5 Main St, Springfield IL 62704, USA"  with a name first

The last part is the country; the part holding a postcode-like token gives postcode and city;
what is before is the street (and a name, if two parts are left). Validation itself (country
known, postcode format) is `shop.addresses.validate_address`'s job.
"""

from __future__ import annotations

import re

from shop.addresses import normalize_country

_PREFIX = re.compile(
    r"^\s*(?:(?:my\s+)?new\s+address\s+is|(?:please\s+)?(?:ship|send|deliver)\s+(?:it\s+)?to|"
    r"the\s+address\s+is|address\s*:|it'?s)\s*",
    re.I,
)
# A token with a digit, or a UK-style outward+inward code: "10115", "NW1 6XE", "D02 X285", "1017 GB".
_POSTCODE = re.compile(
    r"\b([A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|[A-Z]\d{2}\s?[A-Z\d]{4}|\d{4}\s?[A-Z]{2}|\d{3,5}(?:-\d{3,4})?)\b",
    re.I,
)
_US_STATE = re.compile(r"\s+[A-Z]{2}$")


def parse_address(text: str) -> dict[str, str] | None:
    """Fields {"name"?, "street", "city", "postcode", "country"} or None if it isn't an address."""
    body = _PREFIX.sub("", text or "").strip().rstrip(".")
    parts = [p.strip() for p in re.split(r"[,\n;]+", body) if p.strip()]
    if len(parts) < 3:
        return None
    country_text = parts[-1]
    if normalize_country(country_text) is None:
        return None
    rest = parts[:-1]
    # Which part holds the postcode? Prefer the last one that has one (not the street number).
    postcode, city, street_parts = "", "", rest
    for i in range(len(rest) - 1, 0, -1):
        match = _POSTCODE.search(rest[i])
        if match:
            postcode = match.group(1)
            city = (rest[i][: match.start()] + " " + rest[i][match.end() :]).strip(" ,")
            city = _US_STATE.sub("", city).strip()
            if not city and i - 1 >= 1:
                # "Springfield, 62704": the city is the part before the postcode.
                city, street_parts = rest[i - 1], rest[: i - 1]
            else:
                street_parts = rest[:i]
            break
    else:
        return None
    if not street_parts or not city:
        return None
    fields = {"street": street_parts[-1], "city": city, "postcode": postcode, "country": country_text}
    if len(street_parts) >= 2:
        # "Flat 3, 14 Rue de Rivoli": a second line, or a name before the street.
        first = street_parts[0]
        if re.search(r"\d", first):
            fields["street"] = ", ".join(street_parts)
        else:
            fields["name"] = first
            fields["street"] = ", ".join(street_parts[1:])
    return fields
