"""Offline evaluation of search quality and of constraint extraction.

The generated labelled set (`data/search_eval/queries.jsonl`) comes from the demo catalog's
structured fields (`generate.py`, deterministic, seed 7) plus hand-written vague wishes
(`data/search_eval/vague.jsonl`); it is never produced by running a retriever. Each query carries
a relevance *spec* (acceptable categories with a maximum grade, and facets such as colour, brand,
price limits, attributes); `Grader.grade(item, spec)` (`labelled.py`) turns it into a graded
judgment 0-3 for every product of the catalog:

* 0 - wrong category, or outside a stated price limit;
* otherwise the category's grade (3 for the wished category, lower for related ones) minus one for
  each facet the product misses (colour, brand, attribute, size, stock, cheapness), at least 1.

Metrics (`metrics.py`): NDCG@10 with gain 2^grade - 1 against the ideal ordering of the whole
catalog; MRR of the first product with the query's best achievable grade; recall@50 of products
with that best grade, divided by min(50, their number) so broad queries can reach 1.0.

Modules: `labelled` (specs, grader), `metrics`, `runs` (modes side by side, fusion tuning),
`accuracy` (constraint extraction, policy answers), `generate` (the generated set).
"""

from search.evaluation.accuracy import (
    expected_constraints,
    extraction_accuracy,
    load_constraint_cases,
    policy_accuracy,
)
from search.evaluation.generate import generate_queries
from search.evaluation.labelled import EVAL_DIR, Grader, QuerySpec, load_specs, write_specs
from search.evaluation.metrics import best_recall_at_k, mrr, ndcg_at_k
from search.evaluation.runs import ModeScores, evaluate_modes, tune_fusion

__all__ = [
    "EVAL_DIR",
    "Grader",
    "ModeScores",
    "QuerySpec",
    "best_recall_at_k",
    "evaluate_modes",
    "expected_constraints",
    "extraction_accuracy",
    "generate_queries",
    "load_constraint_cases",
    "load_specs",
    "mrr",
    "ndcg_at_k",
    "policy_accuracy",
    "tune_fusion",
    "write_specs",
]
