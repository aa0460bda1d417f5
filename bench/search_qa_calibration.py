"""Calibrates the description threshold of product Q&A (`search.qa.DESCRIPTION_THRESHOLD`).

    DATABASE_URL=... SHOPBOT_MODEL_DIR=... python bench/search_qa_calibration.py

Positives: for 150 random products, a question about a feature their description mentions
("does it have a backlit keyboard?"). Negatives: the same products asked about a feature of
another category that their description does not mention. Prints, per threshold, the share of
positives answered from the description and the share of negatives wrongly answered.
Features come from the demo vocabulary (data/demo/categories.json).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search.embedding import Embedder  # noqa: E402
from search.index import load_index  # noqa: E402
from search.qa import _sentences  # noqa: E402

TEMPLATES = ["does it have {f}?", "does this come with {f}", "is there {f}?"]


def main() -> None:
    items = load_index().items
    root = Path(__file__).resolve().parent.parent
    categories = {
        c["path"]: c for c in json.loads((root / "data/demo/categories.json").read_text())["categories"]
    }
    rnd = random.Random(1)
    embedder = Embedder(threads=2)
    every_feature = [(path, f) for path, c in categories.items() for f in c["features"]]
    positives, negatives = [], []
    for item in rnd.sample(items, 150):
        own = [f for f in categories[item.category_path]["features"] if f in item.description]
        if own:
            positives.append((item, rnd.choice(TEMPLATES).format(f=rnd.choice(own))))
        other = [f for path, f in every_feature if path != item.category_path and f not in item.description]
        negatives.append((item, rnd.choice(TEMPLATES).format(f=rnd.choice(other))))

    def best(item, question):  # type: ignore[no-untyped-def]
        vectors = embedder.encode(_sentences(item.description))
        return float((vectors @ embedder.encode_query(question)).max())

    pos = np.array([best(i, q) for i, q in positives])
    neg = np.array([best(i, q) for i, q in negatives])
    print(f"{len(pos)} answerable, {len(neg)} unanswerable questions")
    for threshold in (0.30, 0.35, 0.40, 0.45, 0.50):
        print(
            f"threshold {threshold:.2f}: answered {np.mean(pos >= threshold):.3f} of answerable, "
            f"wrongly answered {np.mean(neg >= threshold):.3f} of unanswerable"
        )


if __name__ == "__main__":
    main()
