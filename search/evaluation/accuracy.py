"""Constraint-extraction accuracy (hand-labelled and generated cases) and policy-answer accuracy."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from search.constraints import Constraints
from search.evaluation.labelled import EVAL_DIR, QuerySpec
from search.query import QueryParser

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
