"""Offline evaluation of search quality and of constraint extraction.

The labelled set (`data/search_eval/queries.jsonl`) is generated from the demo catalog's
structured fields by `generate_queries` (deterministic, seed 7) plus hand-written vague wishes
(`data/search_eval/vague.jsonl`); it is never produced by running a retriever. Each query carries
a relevance *spec* (acceptable categories with a maximum grade, and facets such as colour, brand,
price limits, attributes); `grade(item, spec)` turns it into a graded judgment 0-3 for every
product of the catalog:

* 0 - wrong category, or outside a stated price limit;
* otherwise the category's grade (3 for the wished category, lower for related ones) minus one for
  each facet the product misses (colour, brand, attribute, size, stock, cheapness), at least 1.

Metrics: NDCG@10 with gain 2^grade - 1 against the ideal ordering of the whole catalog; MRR of
the first product with the query's best achievable grade; recall@50 of products with that best
grade, divided by min(50, their number) so broad queries can reach 1.0.
"""

from __future__ import annotations

import json
import math
import random
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from search.catalog import CatalogItem
from search.normalize import singular
from search.query import Constraints, QueryParser, color_matches

EVAL_DIR = Path(__file__).resolve().parent.parent / "data" / "search_eval"


@dataclass
class QuerySpec:
    query: str
    #: typo | price | vague | brand | colour | attribute | category | code | size | stock
    kind: str
    #: lower-case category name (any level) -> maximum grade
    categories: dict[str, int] = field(default_factory=dict)
    colors: list[str] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)
    min_price: float | None = None
    max_price: float | None = None
    #: "cheap": a product counts as matching when its price is at most its category's median
    cheap: bool = False
    features: list[str] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)
    sizes: list[str] = field(default_factory=list)
    in_stock: bool = False
    skus: list[str] = field(default_factory=list)
    #: lower-case fragment the title must contain (model names)
    title_contains: str | None = None
    #: Expected extracted constraints (only the keys given are checked), for extraction accuracy.
    expect: dict[str, Any] | None = None

    def to_json(self) -> str:
        data = {k: v for k, v in asdict(self).items() if v not in (None, [], {}, False)}
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QuerySpec:
        return cls(**data)


def load_specs(path: Path | None = None) -> list[QuerySpec]:
    path = path or EVAL_DIR / "queries.jsonl"
    return [QuerySpec.from_dict(json.loads(line)) for line in path.read_text().splitlines() if line.strip()]


class Grader:
    """Graded relevance of every catalog product for a spec."""

    def __init__(self, items: Sequence[CatalogItem]) -> None:
        self.items = list(items)
        by_category: dict[str, list[float]] = {}
        for item in self.items:
            by_category.setdefault(item.category.lower(), []).append(float(item.price))
        self.median_price = {c: statistics.median(p) for c, p in by_category.items()}

    def grade(self, item: CatalogItem, spec: QuerySpec) -> int:
        if spec.skus:
            return 3 if item.sku in spec.skus else 0
        levels = [c.lower() for c in item.categories]
        cap = max((spec.categories.get(level, 0) for level in levels), default=0) if spec.categories else 3
        if cap == 0:
            return 0
        price = float(item.price)
        if spec.max_price is not None and price > spec.max_price + 1e-9:
            return 0
        if spec.min_price is not None and price < spec.min_price - 1e-9:
            return 0
        missing = 0
        if spec.colors and not any(color_matches(c, item.colors) for c in spec.colors):
            missing += 1
        if spec.brands and item.brand.lower() not in spec.brands:
            missing += 1
        if spec.cheap and price > self.median_price.get(item.category.lower(), math.inf):
            missing += 1
        for feature in spec.features:
            if item.attributes.get(feature) is not True:
                missing += 1
        for key, value in spec.attributes.items():
            if str(item.attributes.get(key)).lower() != str(value).lower():
                missing += 1
        if spec.sizes and not {s.upper() for s in item.sizes}.intersection(spec.sizes):
            missing += 1
        if spec.in_stock and not item.in_stock:
            missing += 1
        if spec.title_contains and spec.title_contains not in item.title.lower():
            missing += 1
        return max(1, cap - missing)

    def judgments(self, spec: QuerySpec) -> dict[int, int]:
        """product id -> grade, for grades > 0."""
        out = {}
        for item in self.items:
            g = self.grade(item, spec)
            if g:
                out[item.id] = g
        return out


def ndcg_at(ranked: Sequence[int], judgments: dict[int, int], k: int = 10) -> float:
    gains = sorted(judgments.values(), reverse=True)[:k]
    ideal = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))
    if ideal == 0:
        return 0.0
    dcg = sum((2 ** judgments.get(p, 0) - 1) / math.log2(i + 2) for i, p in enumerate(ranked[:k]))
    return dcg / ideal


def mrr(ranked: Sequence[int], judgments: dict[int, int]) -> float:
    best = max(judgments.values(), default=0)
    for i, p in enumerate(ranked):
        if best and judgments.get(p, 0) == best:
            return 1.0 / (i + 1)
    return 0.0


def recall_at(ranked: Sequence[int], judgments: dict[int, int], k: int = 50) -> float:
    best = max(judgments.values(), default=0)
    relevant = {p for p, g in judgments.items() if g == best}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked[:k])) / min(k, len(relevant))


@dataclass(frozen=True)
class ModeScores:
    ndcg10: float
    mrr: float
    recall50: float
    per_query_ndcg: tuple[float, ...]


def evaluate_modes(
    search: Any,
    specs: Sequence[QuerySpec],
    grader: Grader,
    modes: Iterable[str] = ("lexical", "dense", "hybrid"),
) -> dict[str, ModeScores]:
    """Run every spec through `search.search(..., mode=m, k=50)` for each mode."""
    judgments = [grader.judgments(s) for s in specs]
    out: dict[str, ModeScores] = {}
    for mode in modes:
        nd, mr, rc = [], [], []
        for spec, judged in zip(specs, judgments, strict=True):
            ranked = [h.product_id for h in search.search(spec.query, k=50, mode=mode).hits]
            nd.append(ndcg_at(ranked, judged))
            mr.append(mrr(ranked, judged))
            rc.append(recall_at(ranked, judged))
        out[mode] = ModeScores(float(np.mean(nd)), float(np.mean(mr)), float(np.mean(rc)), tuple(nd))
    return out


# --- constraint extraction accuracy ----------------------------------------------------------
_CHECKED = ("min_price", "max_price", "price_preference", "colors", "sizes", "brands", "in_stock", "features")


def expected_constraints(expect: dict[str, Any]) -> dict[str, Any]:
    base = Constraints().to_dict()
    for key, value in expect.items():
        if key in ("min_price", "max_price") and value is not None:
            value = str(Decimal(str(value)))
        if key in ("colors", "sizes", "brands", "features", "categories"):
            value = sorted(value)
        base[key] = value
    return base


def extraction_accuracy(parser: QueryParser, cases: Sequence[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Share of queries whose extracted constraints equal the labelled ones on every checked field
    (price limits, price preference, colours, sizes, brands, stock, features; categories only where
    labelled), plus per-field accuracy and the failures."""
    exact = 0
    per_field: dict[str, list[bool]] = {}
    failures: list[dict[str, Any]] = []
    for query, expect in cases:
        got = parser.parse(query).constraints.to_dict()
        want = expected_constraints(expect)
        fields = list(_CHECKED) + (["categories"] if "categories" in expect else [])
        ok_all = True
        for name in fields:
            g, w = got[name], want[name]
            if isinstance(g, list):
                g = sorted(g)
            if name in ("min_price", "max_price") and g is not None:
                g = str(Decimal(g).normalize()) if Decimal(g) == Decimal(g).to_integral() else str(Decimal(g))
                w = (
                    None
                    if w is None
                    else (
                        str(Decimal(w).normalize())
                        if Decimal(w) == Decimal(w).to_integral()
                        else str(Decimal(w))
                    )
                )
            ok = g == w
            per_field.setdefault(name, []).append(ok)
            ok_all &= ok
        exact += ok_all
        if not ok_all:
            failures.append({"query": query, "expected": want, "got": got})
    return {
        "queries": len(cases),
        "exact_match": exact / max(1, len(cases)),
        "per_field": {k: sum(v) / len(v) for k, v in per_field.items()},
        "failures": failures,
    }


def load_constraint_cases(
    specs: Sequence[QuerySpec], path: Path | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """Hand-labelled extraction cases plus every generated query that carries an `expect`."""
    path = path or EVAL_DIR / "constraints.jsonl"
    cases = [(s.query, s.expect) for s in specs if s.expect is not None]
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                cases.append((row["query"], row["expect"]))
    return cases


# --- generating the labelled set -----------------------------------------------------------------
_UNIT_TEMPLATES = {
    "screen_size_in": "{v} inch",
    "ram_gb": "{v}gb ram",
    "storage_gb": "{v}gb",
    "fits_screen_size_in": "{v} inch",
    "persons": "{v} person",
    "litres": "{v} litre",
    "capacity_ml": "{v}ml",
    "battery_hours": "{v} hour battery",
    "battery_days": "{v} day battery",
    "watts": "{v}w",
    "megapixels": "{v}mp",
    "thread_count": "{v} thread count",
    "max_kg": "{v}kg",
    "thickness_mm": "{v}mm",
    "diameter_cm": "{v}cm",
    "blade_cm": "{v}cm",
    "weight_g": "{v}g",
    "ports": "{v} port",
    "refresh_hz": "{v}hz",
    "volume_ml": "{v}ml",
}
_PRICE_FORMS = [
    ("{leaf} under {p}", "max"),
    ("{leaf} less than ${p}", "max"),
    ("{leaf} below {p} dollars", "max"),
    ("{leaf} max {p}", "max"),
    ("{leaf} for no more than ${p}", "max"),
    ("{leaf} between {lo} and {hi} dollars", "range"),
    ("{leaf} ${lo}-${hi}", "range"),
    ("{leaf} from ${lo} to ${hi}", "range"),
    ("{leaf} over ${lo}", "min"),
    ("cheap {leaf}", "cheap"),
    ("{leaf} up to {p} bucks", "max"),
    ("{leaf} at most ${p}", "max"),
]


def _leaf_phrase(category: str) -> str:
    """'Running Shoes' -> 'running shoes'; 'Laptop Sleeves & Bags' -> 'laptop sleeve'."""
    name = category.lower().split("&")[0].strip()
    words = name.split()
    return " ".join([*words[:-1], singular(words[-1])]) if len(words) > 1 else singular(name)


def _typo(word: str, rnd: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rnd.randint(1, len(word) - 2)
    kind = rnd.choice(["swap", "drop", "double", "replace"])
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    nearby = "qwertyuiopasdfghjklzxcvbnm"
    return word[:i] + rnd.choice(nearby.replace(word[i], "")) + word[i + 1 :]


def _round_price(value: float) -> int:
    step = 5 if value < 100 else 10 if value < 500 else 50
    return max(step, int(round(value / step) * step))


def generate_queries(
    items: Sequence[CatalogItem],
    *,
    vague: Sequence[QuerySpec] = (),
    natural: dict[str, list[str]] | None = None,
    seed: int = 7,
) -> list[QuerySpec]:
    """The labelled query set, from the catalog's structured fields (see module docstring)."""
    rnd = random.Random(seed)
    by_category: dict[str, list[CatalogItem]] = {}
    for item in items:
        by_category.setdefault(item.category, []).append(item)
    categories = sorted(by_category)
    specs: list[QuerySpec] = []

    def cat(c: str) -> dict[str, int]:
        return {c.lower(): 3}

    # Natural phrasings of each category (from the demo vocabulary), graded by category.
    for c in categories:
        for phrase in (natural or {}).get(c, [])[:2]:
            specs.append(QuerySpec(phrase, "category", cat(c)))
    # Colour + category.
    for c in rnd.sample(categories, k=min(25, len(categories))):
        colors = sorted({col for i in by_category[c] for col in i.colors})
        if not colors:
            continue
        color = rnd.choice(colors)
        specs.append(
            QuerySpec(
                f"{color} {_leaf_phrase(c)}", "colour", cat(c), colors=[color], expect={"colors": [color]}
            )
        )
    # Brand + category.
    for c in rnd.sample(categories, k=min(20, len(categories))):
        brand = rnd.choice(sorted({i.brand for i in by_category[c]}))
        specs.append(
            QuerySpec(
                f"{brand} {_leaf_phrase(c)}",
                "brand",
                cat(c),
                brands=[brand.lower()],
                expect={"brands": [brand.lower()]},
            )
        )
    # Price limits in the forms people write them.
    for n, c in enumerate(rnd.sample(categories, k=min(30, len(categories))) * 2):
        if n >= 30:
            break
        template, kind = _PRICE_FORMS[n % len(_PRICE_FORMS)]
        prices = sorted(float(i.price) for i in by_category[c])
        p = _round_price(prices[len(prices) // 2])
        lo, hi = _round_price(prices[len(prices) // 4]), _round_price(prices[(3 * len(prices)) // 4])
        if lo >= hi:
            hi = lo + 10
        text = template.format(leaf=_leaf_phrase(c), p=p, lo=lo, hi=hi)
        spec = QuerySpec(text, "price", cat(c))
        if kind == "max":
            spec.max_price, spec.expect = p, {"max_price": p}
        elif kind == "range":
            spec.min_price, spec.max_price, spec.expect = lo, hi, {"min_price": lo, "max_price": hi}
        elif kind == "min":
            spec.min_price, spec.expect = lo, {"min_price": lo}
        else:
            spec.cheap, spec.expect = True, {"price_preference": "low"}
        specs.append(spec)
    # Attributes: spec values and waterproofness.
    attribute_specs = 0
    for c in categories:
        if attribute_specs >= 22:
            break
        sample = by_category[c]
        keys = sorted({k for i in sample for k in i.attributes if k in _UNIT_TEMPLATES})
        if keys:
            key = rnd.choice(keys)
            value = rnd.choice(sorted({i.attributes[key] for i in sample if key in i.attributes}, key=str))
            text = f"{_UNIT_TEMPLATES[key].format(v=value)} {_leaf_phrase(c)}"
            specs.append(QuerySpec(text, "attribute", cat(c), attributes={key: value}))
            attribute_specs += 1
        if any(i.attributes.get("waterproof") is True for i in sample):
            specs.append(
                QuerySpec(
                    f"waterproof {_leaf_phrase(c)}",
                    "attribute",
                    cat(c),
                    features=["waterproof"],
                    expect={"features": ["waterproof"]},
                )
            )
            attribute_specs += 1
    # Typos in category, colour and brand queries.
    for source in rnd.sample([s for s in specs if s.kind in {"category", "colour", "brand"}], k=25):
        words = source.query.split()
        longest = max(range(len(words)), key=lambda i: len(words[i]))
        if words[longest][0].isupper():  # keep brand names intact; misspell the product word
            longest = len(words) - 1
        words[longest] = _typo(words[longest], rnd)
        typo = QuerySpec(**{**asdict(source), "query": " ".join(words), "kind": "typo", "expect": None})
        specs.append(typo)
    # Sizes and stock.
    sized = [c for c in categories if any(i.sizes for i in by_category[c])]
    for c in rnd.sample(sized, k=min(6, len(sized))):
        size = rnd.choice(sorted({s for i in by_category[c] for s in i.sizes}))
        specs.append(
            QuerySpec(
                f"{_leaf_phrase(c)} in size {size}",
                "size",
                cat(c),
                sizes=[size.upper()],
                expect={"sizes": [size.upper()]},
            )
        )
    for c in rnd.sample(categories, k=4):
        specs.append(
            QuerySpec(
                f"{_leaf_phrase(c)} in stock", "stock", cat(c), in_stock=True, expect={"in_stock": True}
            )
        )
    # Codes: exact SKUs and brand + model names from titles.
    for item in rnd.sample(list(items), k=6):
        specs.append(QuerySpec(item.sku.lower() if rnd.random() < 0.5 else item.sku, "code", skus=[item.sku]))
    for item in rnd.sample(list(items), k=6):
        words = item.title.split()
        fragment = " ".join(words[1:3]).rstrip(",")
        if not re.search(r"[A-Za-z]", fragment):
            continue
        specs.append(
            QuerySpec(
                f"{item.brand} {fragment}",
                "code",
                cat(item.category),
                brands=[item.brand.lower()],
                title_contains=fragment.lower(),
            )
        )
    specs.extend(vague)
    return specs


def write_specs(specs: Sequence[QuerySpec], path: Path) -> None:
    path.write_text("".join(s.to_json() + "\n" for s in specs))


def tune_fusion(
    search: Any, specs: Sequence[QuerySpec], grader: Grader
) -> tuple[Any, list[dict[str, float]]]:
    """Grid search of the fusion weights on the dev half (even positions) of the labelled set.

    The objective is dev NDCG@10, but a setting that ranks any dev query worse than lexical-only
    by more than 0.05 is penalised, so the chosen fusion does not trade lexical's wins away.
    """
    from dataclasses import replace as _replace

    dev = [s for i, s in enumerate(specs) if i % 2 == 0]
    lexical = evaluate_modes(search, dev, grader, modes=("lexical",))["lexical"].per_query_ndcg
    original = search.fusion
    grid: list[dict[str, float]] = []
    best, best_score = original, -1.0
    for dense in (1.0, 1.5, 2.0, 3.0):
        for rrf_k in (30, 60):
            for numeric in (0.25, 0.5, 1.0):
                search.fusion = _replace(
                    original, lexical=1.0, dense=dense, rrf_k=rrf_k, numeric_dense_factor=numeric
                )
                scores = evaluate_modes(search, dev, grader, modes=("hybrid",))["hybrid"]
                per_query = zip(scores.per_query_ndcg, lexical, strict=True)
                losses = sum(max(0.0, lx - h - 0.05) for h, lx in per_query)
                objective = scores.ndcg10 - losses / len(dev)
                grid.append(
                    {
                        "dense": dense,
                        "rrf_k": rrf_k,
                        "numeric_dense_factor": numeric,
                        "dev_ndcg10": scores.ndcg10,
                        "objective": objective,
                    }
                )
                if objective > best_score:
                    best, best_score = search.fusion, objective
    search.fusion = original
    return best, grid


def policy_accuracy(kb: Any, path: Path | None = None) -> dict[str, float]:
    """Share of labelled policy questions answered with the right passage, or refused when out of
    scope (`expected` null); plus the in-scope and out-of-scope parts separately."""
    path = path or EVAL_DIR / "policy_questions.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    right_in, right_out, n_in, n_out = 0, 0, 0, 0
    for row in rows:
        answer = kb.answer(row["question"])
        got = answer.field if answer.confident else None
        if row["expected"] is None:
            n_out += 1
            right_out += got is None
        else:
            n_in += 1
            right_in += got == row["expected"]
    return {
        "questions": len(rows),
        "accuracy": (right_in + right_out) / max(1, len(rows)),
        "in_scope_correct": right_in / max(1, n_in),
        "out_of_scope_refused": right_out / max(1, n_out),
    }
