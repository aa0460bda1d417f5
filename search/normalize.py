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


def tokens(text: str) -> list[str]:
    """Word tokens; codes like "x-200" or "usb-c" and numbers like "10.5" stay whole."""
    return _TOKEN.findall(fold(text))


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
