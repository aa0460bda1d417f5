"""Text normalisation and tokenisation shared by the parser, BM25 and typo correction."""

from __future__ import annotations

import re
import unicodedata

_TOKEN = re.compile(r"[a-z0-9]+(?:[.\-/][a-z0-9]+)*")
_SPACES = re.compile(r"\s+")


def word_set(text: str) -> frozenset[str]:
    """A set of whitespace-separated words (keeps long word lists readable)."""
    return frozenset(text.split())


#: Words that carry no product meaning in a shopping query; dropped from the retrieval text.
FILLER_WORDS = word_set(
    """a an the some any for me i im i'm we us my our you your please pls want wanted need needs
    looking look search searching find show showing give get got buy buying would like love
    something anything thing things one ones stuff item items product products that this these
    those which with to of in on and or is are do does can could should it its it's there here
    have has be good nice great best really very just also maybe kind sort"""
)


def fold(text: str) -> str:
    """Lower case, accents removed, typographic dashes and quotes made plain."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("\u2019", "'")
    return text.lower()


def normalize(text: str) -> str:
    """Folded text with collapsed whitespace."""
    return _SPACES.sub(" ", fold(text)).strip()


#: Units written after a number, and the one spelling both sides of the index use for them:
#: "4000-watt", "4000 watts" and "4000w" all become "4000 w"; "1/2 in." and '1/2"' "1/2 inch".
UNITS = {
    "w": "w", "watt": "w", "watts": "w", "kw": "kw",
    "v": "v", "volt": "v", "volts": "v",
    "a": "amp", "amp": "amp", "amps": "amp",
    "inch": "inch", "inches": "inch",
    "ft": "ft", "foot": "ft", "feet": "ft",
    "mm": "mm", "cm": "cm", "m": "m",
    "gb": "gb", "tb": "tb", "mb": "mb",
    "mp": "mp", "hz": "hz", "ghz": "ghz", "mhz": "mhz",
    "ml": "ml", "l": "l", "litre": "l", "litres": "l", "liter": "l", "liters": "l",
    "g": "g", "kg": "kg", "lb": "lb", "lbs": "lb", "oz": "oz",
    "qt": "qt", "quart": "qt", "quarts": "qt", "gal": "gal", "gallon": "gal", "gallons": "gal",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "mah": "mah", "btu": "btu", "person": "person", "persons": "person", "people": "person",
    "pack": "pack", "pk": "pack", "piece": "piece", "pc": "piece", "pcs": "piece",
    "port": "port", "ports": "port", "burner": "burner", "drawer": "drawer", "tool": "tool",
    "day": "day", "days": "day",
}  # fmt: skip
_NUMBER = re.compile(r"\d+(?:[.,/]\d+)*")
#: A number glued to a unit ("16gb", "4000-watt", "18v", "1/2in"); codes such as "x200" or
#: "wh1000xm4" start with letters or mix them in and stay whole.
_GLUED = re.compile(r"^(\d+(?:[.,/]\d+)*)-?([a-z]+)$")
#: Inch marks: 1/2", 1/2 in., 1/2in ("in" alone after a number is too often the word "in").
_INCH_MARK = re.compile(r'(?<=\d)(?:\s*"|\s*\'\'|\s*in\.|in\b(?!-))')
#: Single-letter units are only read glued to their number ("18v", "500g"), never apart.
_LOOSE_UNITS = frozenset(u for u in UNITS if len(u) > 1)


def tokens(text: str) -> list[str]:
    """Word tokens; codes like "x-200" or "usb-c" and numbers like "10.5" or "1/2" stay whole.

    A number and its unit become two tokens with the unit in one spelling (`UNITS`), so
    "4000-watt", "4000 watt" and "4000w" match each other, as do "16gb" and "16 GB".
    """
    raw = _TOKEN.findall(_INCH_MARK.sub(" inch", fold(text)))
    out: list[str] = []
    for token in raw:
        glued = _GLUED.match(token)
        if glued and glued.group(2) in UNITS:
            out.append(glued.group(1))
            out.append(UNITS[glued.group(2)])
        elif "-" in token and _NUMBER.fullmatch(token.split("-", 1)[0]):
            # "7-1/4", "2-person", "5-tool": the parts, units spelled one way.
            for part in token.split("-"):
                loose = part in _LOOSE_UNITS and out and _NUMBER.fullmatch(out[-1])
                out.append(UNITS[part] if loose else part)
        elif token in _LOOSE_UNITS and out and _NUMBER.fullmatch(out[-1]):
            out.append(UNITS[token])
        else:
            out.append(token)
    return out


def looks_like_code(token: str) -> bool:
    """A product code or model number: letters and digits mixed ("sku-00042", "wh1000xm4")."""
    return bool(re.search(r"\d", token)) and bool(re.search(r"[a-z]", token)) and len(token) >= 3


def singular(word: str) -> str:
    """Crude English singular, good enough for category names ("jackets", "boxes", "batteries")."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us")):
        return word[:-1]
    return word
