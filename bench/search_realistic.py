"""Search on hand-written queries and three catalog shapes, BM25 / dense / RRF / hybrid side by side.

    flock /tmp/shopbot-heavy.lock .venv/bin/python bench/search_realistic.py [--rejudge] [--tune]

Reads the demo shop from DATABASE_URL (vectors from the built index under SHOPBOT_MODEL_DIR, so
only the text-only variant and the technical catalog are encoded, once; they are cached in
`model_dir/search_eval/`). `--rejudge` pools the engines' top 20 again and rewrites
`data/search_eval/realistic/judgments_*.jsonl` with the rubric grades (run it after a ranking
change, so the new results are judged too). `--tune` grid-searches fusion weights on the dev
halves only and prints the grid. Writes `var/reports/search_realistic.json` and prints Markdown
tables (all queries, dev half, test half) for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search.catalog import load_catalog  # noqa: E402
from search.embedding import BUILD_THREADS, Embedder  # noqa: E402
from search.engine import ProductSearch  # noqa: E402
from search.evaluation.realistic import (  # noqa: E402
    ENGINES,
    REALISTIC_DIR,
    SET_VARIANTS,
    EngineScores,
    bootstrap_ci,
    cached_search,
    dev_half,
    paired_ci,
    pool_and_judge,
    query_sets,
    read_judgments,
    score_engines,
    test_half,
    text_only,
    write_judgments,
)
from search.evaluation.technical_catalog import technical_catalog  # noqa: E402
from search.index import default_index_dir  # noqa: E402
from shop.config import get_settings  # noqa: E402
from shop.db import get_engine  # noqa: E402


def variants(embedder: Embedder, cache: Path) -> tuple[dict[str, ProductSearch], dict[str, list]]:
    demo = load_catalog(get_engine())
    tech = technical_catalog()
    searches = {
        "demo": cached_search(demo, embedder, cache / "demo.npz", seed_index=default_index_dir()),
        "demo_text": cached_search(text_only(demo), embedder, cache / "demo_text.npz"),
        "technical": cached_search(tech, embedder, cache / "technical.npz"),
    }
    return searches, {"demo": demo, "technical": tech}


def table(rows: list[dict], title: str) -> str:
    lines = [
        f"**{title}**",
        "",
        "| engine | NDCG@10 (95% CI) | MRR (95% CI) | recall@50 (95% CI) |",
        "| --- | --- | --- | --- |",
    ]
    for row in rows:
        cells = [
            f"{row[m]:.3f} ({row[m + '_ci'][0]:.3f}-{row[m + '_ci'][1]:.3f})"
            for m in ("ndcg10", "mrr", "recall50")
        ]
        name = f"**{row['engine']}**" if row["engine"] == "hybrid" else row["engine"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def summarise(scores) -> list[dict]:
    rows = []
    for engine, s in scores.items():
        row = {"engine": engine, "queries": len(s.ndcg10)}
        for metric in ("ndcg10", "mrr", "recall50"):
            values = getattr(s, metric)
            row[metric] = sum(values) / max(1, len(values))
            row[metric + "_ci"] = bootstrap_ci(values)
        rows.append(row)
    return rows


def tune(searches, sets, judged) -> list[dict]:
    """Grid over the fusion weights, scored on the dev halves of every set and variant (BM25,
    which the weights do not move, is scored once per set and variant)."""
    grid = []
    originals = {name: s.fusion for name, s in searches.items()}
    bm25 = {
        (set_name, variant): mean(
            score_engines(searches[variant], dev_half(queries), judged[set_name], ("bm25",))["bm25"].ndcg10
        )
        for set_name, queries in sets.items()
        for variant in SET_VARIANTS[set_name]
    }
    for dense in (0.5, 0.75, 1.0, 1.5):
        for title in (0.0, 0.5, 1.0, 2.0):
            for numeric in (0.25, 0.5, 1.0):
                result = {"dense": dense, "title": title, "numeric_dense_factor": numeric}
                worst_margin = 1.0
                total = 0.0
                for set_name, queries in sets.items():
                    for variant in SET_VARIANTS[set_name]:
                        search = searches[variant]
                        search.fusion = replace(
                            originals[variant], dense=dense, title=title, numeric_dense_factor=numeric
                        )
                        s = score_engines(search, dev_half(queries), judged[set_name], ("hybrid",))
                        hybrid = mean(s["hybrid"].ndcg10)
                        result[f"{set_name}/{variant}"] = round(hybrid, 4)
                        worst_margin = min(worst_margin, hybrid - bm25[set_name, variant])
                        total += hybrid
                result["mean"] = round(total / len(bm25), 4)
                result["worst_margin_over_bm25"] = round(worst_margin, 4)
                result["shipped"] = all(
                    getattr(originals[v], f) == result[f]
                    for v in originals
                    for f in ("dense", "title", "numeric_dense_factor")
                )
                grid.append(result)
                print(json.dumps(result), flush=True)
    for name, search in searches.items():
        search.fusion = originals[name]
    return sorted(grid, key=lambda r: (-(r["worst_margin_over_bm25"] >= 0), -r["mean"]))


def mean(values) -> float:
    return sum(values) / max(1, len(values))


def kept(queries, judged):
    """The queries `score_engines` scores (those with a relevant judged product), in its order."""
    return [q for q in queries if any(judged.get(q.id, {}).values())]


def joined(first, second):
    """Per-query scores of two disjoint query lists, as one list (dev then test)."""
    return {
        e: EngineScores(
            *(getattr(first[e], m) + getattr(second[e], m) for m in ("ndcg10", "mrr", "recall50"))
        )
        for e in first
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rejudge", action="store_true", help="pool and grade again, rewrite judgments")
    parser.add_argument("--tune", action="store_true", help="grid-search fusion weights on the dev halves")
    parser.add_argument("--out", type=Path, default=Path("var/reports/search_realistic.json"))
    parser.add_argument(
        "--cache", type=Path, default=None, help="vector cache folder (default: model_dir/search_eval)"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    embedder = Embedder(threads=BUILD_THREADS)
    cache = args.cache or Path(get_settings().model_dir) / "search_eval"
    searches, full_items = variants(embedder, cache)
    print(f"variants ready after {time.perf_counter() - started:.0f} s", flush=True)
    sets = query_sets()
    judged = {}
    for set_name, queries in sets.items():
        path = REALISTIC_DIR / f"judgments_{set_name}.jsonl"
        items = full_items[set_name]
        if args.rejudge or not path.exists():
            pool = [searches[v] for v in SET_VARIANTS[set_name]]
            judged[set_name] = pool_and_judge(queries, pool, items)
            write_judgments(path, judged[set_name], queries, items)
        else:
            judged[set_name] = read_judgments(path, items)
    report: dict = {"sets": {}}
    if args.tune:
        grid = tune(searches, sets, judged)
        report["tuning"] = grid[:10]
        shipped = next(r for r in grid if r["shipped"])
        report["tuning_shipped"] = shipped
        print("best on dev:", json.dumps(grid[:3], indent=1))
        print("shipped weights on dev:", json.dumps(shipped))
    for set_name, queries in sets.items():
        for variant in SET_VARIANTS[set_name]:
            key = f"{set_name} queries / {variant} catalog"
            entry = {}
            halves = {
                h: score_engines(searches[variant], part(queries), judged[set_name])
                for h, part in (("dev", dev_half), ("test", test_half))
            }
            halves["all"] = joined(halves["dev"], halves["test"])
            for half in ("all", "dev", "test"):
                scores = halves[half]
                rows = summarise(scores)
                diff_bm25 = paired_ci(scores["hybrid"].ndcg10, scores["bm25"].ndcg10)
                diff_rrf = paired_ci(scores["hybrid"].ndcg10, scores["rrf"].ndcg10)
                entry[half] = {
                    "rows": rows,
                    "hybrid_minus_bm25_ci": diff_bm25,
                    "hybrid_minus_rrf_ci": diff_rrf,
                }
                print()
                print(table(rows, f"{key}, {half} ({rows[0]['queries']} queries)"))
                print(
                    f"\nhybrid - BM25 NDCG@10 95% CI {diff_bm25[0]:+.3f}..{diff_bm25[1]:+.3f}; "
                    f"hybrid - RRF {diff_rrf[0]:+.3f}..{diff_rrf[1]:+.3f}"
                )
            if set_name == "demo":
                order = kept(dev_half(queries), judged[set_name]) + kept(test_half(queries), judged[set_name])
                scores = halves["all"]
                by_kind = {}
                for kind in sorted({q.kind for q in queries}):
                    idx = [i for i, q in enumerate(order) if q.kind == kind]
                    by_kind[kind] = {
                        e: round(mean([scores[e].ndcg10[i] for i in idx]), 3) for e in ENGINES
                    } | {"n": len(idx)}
                entry["by_kind"] = by_kind
                print("\nNDCG@10 by kind:", json.dumps(by_kind))
            report["sets"][key] = entry
    report["seconds"] = round(time.perf_counter() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print(f"\n{report['seconds']} s; report -> {args.out}")


if __name__ == "__main__":
    main()
