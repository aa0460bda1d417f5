"""Hand-written realistic queries on three small catalog shapes, every product graded by the rubrics
(the guard test's helpers): BM25 / dense / RRF / hybrid with bootstrap CIs. Quick; see BENCHMARKS.md.

    .venv/bin/python bench/search_realistic_small.py
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import numpy as np

from search.catalog import load_catalog
from search.embedding import Embedder
from search.engine import ProductSearch
from search.evaluation.realistic import bootstrap_ci, query_sets, score_engines, text_only
from search.evaluation.technical_catalog import technical_catalog
from shop.db import get_engine
from tests.search.conftest import TEST_CATEGORIES
from tests.search.test_realistic_guard import judge_all

emb = Embedder(threads=1)
demo = [i for i in load_catalog(get_engine()) if i.category in TEST_CATEGORIES][:400]
tech = technical_catalog()[::3]
sets = query_sets()
for name, items, graded, qs in [
    ("demo8cats", demo, demo, sets["demo"]),
    ("demo8cats_text", text_only(demo), demo, sets["demo"]),
    ("technical/3", tech, tech, sets["technical"]),
]:
    s = ProductSearch.from_items(items, embedder=emb)
    sc = score_engines(s, qs, judge_all(qs, graded))
    print(
        name,
        len(items),
        "products",
        len(sc["bm25"].ndcg10),
        "queries",
        {
            e: (
                round(float(np.mean(v.ndcg10)), 3),
                round(float(np.mean(v.mrr)), 3),
                round(float(np.mean(v.recall50)), 3),
                tuple(round(x, 3) for x in bootstrap_ci(v.ndcg10)),
            )
            for e, v in sc.items()
        },
        flush=True,
    )
