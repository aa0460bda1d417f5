"""Hand-written relevance rubrics: how the realistic query sets are judged.

Each query in `data/search_eval/realistic/*_queries.txt` carries rules written by hand, one per
grade ("3: cat:jackets & insulat/down ; 2: cat:jackets"). A product gets the highest grade whose
rule it satisfies, 0 otherwise. The rules read the product as a shopper reads it (title,
category, description, brand, colour and material as text), never the retriever's output, so
the grade of a product does not depend on which engine found it.

Rule syntax: clauses joined by " & " must all hold; a clause is alternatives joined by "/";
"!" negates an alternative; "cat:" tests the start of the leaf category, "title:" the title only,
"brand:" and "color:" those fields, "price<N" / "price>N" the price; a bare term is a word
prefix anywhere in the product's text ("insulat" matches "insulated").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from shop.products import CatalogItem

_TAGS = re.compile(r"<[^>]+>")
#: "/" separates alternatives, except inside a fraction or gauge ("1/2", "12/3").
_ALTERNATIVES = re.compile(r"(?<!\d)/|/(?!\d)")
_HYPHEN = re.compile(r"-(?!\d)|(?<=[a-z0-9])-")


@dataclass(frozen=True)
class RubricQuery:
    id: str
    kind: str
    text: str
    #: (grade, rule), highest grade first
    rules: tuple[tuple[int, str], ...]


def load_rubric_queries(path: Path, prefix: str) -> list[RubricQuery]:
    """Queries of one file, ids `prefix` + line number among queries ("d001")."""
    out: list[RubricQuery] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        kind, text, rules_text = (part.strip() for part in line.split(" | ", 2))
        rules = []
        for rule in rules_text.split(" ; "):
            grade, _, body = rule.partition(":")
            rules.append((int(grade), body.strip()))
        rules.sort(key=lambda r: -r[0])
        out.append(RubricQuery(f"{prefix}{len(out) + 1:03d}", kind, text, tuple(rules)))
    return out


def _clean(text: str) -> str:
    text = _TAGS.sub(" ", text or "").lower()
    # A hyphen joins words ("2-person" = "2 person") unless it is a minus sign ("-5°c").
    text = _HYPHEN.sub(" ", text).replace("\u2019", "'").replace('"', " inch ")
    return " " + re.sub(r"\s+", " ", text) + " "


@dataclass(frozen=True)
class _View:
    all: str
    title: str
    leaf: str
    brand: str
    color: str
    price: float


_VIEWS: dict[tuple, _View] = {}


def _view(item: CatalogItem) -> _View:
    # A CatalogItem holds a dict (attributes), so it is not hashable: key by what the view reads.
    key = (item.id, item.sku, item.title, item.category_path, item.brand, item.description, item.colors)
    view = _VIEWS.get(key)
    if view is None:
        if len(_VIEWS) > 100_000:
            _VIEWS.clear()
        view = _VIEWS[key] = _make_view(item)
    return view


def _make_view(item: CatalogItem) -> _View:
    parts = [
        item.title,
        item.category,
        item.description,
        item.brand,
        item.material or "",
        " ".join(item.colors),
    ]
    return _View(
        all=_clean(" ".join(parts)),
        title=_clean(item.title),
        leaf=item.category.lower().replace("-", " "),
        brand=_clean(item.brand),
        color=_clean(" ".join(item.colors) or (item.color or "")),
        price=float(item.price),
    )


def _has(haystack: str, term: str) -> bool:
    term = _clean(term).strip()
    return bool(term) and re.search(r"(?<![a-z0-9])" + re.escape(term), haystack) is not None


def _alternative(view: _View, alt: str) -> bool:
    alt = alt.strip()
    if alt.startswith("!"):
        return not _alternative(view, alt[1:])
    if alt.startswith("price<"):
        return view.price <= float(alt[6:])
    if alt.startswith("price>"):
        return view.price >= float(alt[6:])
    field, sep, term = alt.partition(":")
    if sep and field in {"cat", "title", "brand", "color"}:
        if field == "cat":
            return view.leaf.startswith(term.strip().replace("-", " "))
        return _has(getattr(view, field), term)
    return _has(view.all, alt)


def rule_holds(item: CatalogItem, rule: str) -> bool:
    view = _view(item)
    return all(
        any(_alternative(view, alt) for alt in _ALTERNATIVES.split(clause))
        for clause in rule.split(" & ")
        if clause
    )


def grade(item: CatalogItem, query: RubricQuery) -> int:
    for value, rule in query.rules:
        if rule_holds(item, rule):
            return value
    return 0
