"""Running every query of a set through each ranking mode, and tuning the fusion weights on a dev half."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from search.evaluation.labelled import Grader, QuerySpec
from search.evaluation.metrics import best_recall_at_k, mrr, ndcg_at_k


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
            nd.append(ndcg_at_k(ranked, judged, 10))
            mr.append(mrr(ranked, judged))
            rc.append(best_recall_at_k(ranked, judged, 50))
        out[mode] = ModeScores(float(np.mean(nd)), float(np.mean(mr)), float(np.mean(rc)), tuple(nd))
    return out


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
