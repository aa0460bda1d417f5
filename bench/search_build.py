"""Index build cost: encoding throughput, a rebuild from cached embeddings, an incremental rebuild.

    DATABASE_URL=... SHOPBOT_MODEL_DIR=... python bench/search_build.py

Reads the catalog from the database and the existing index (for its embedding cache); writes
only to a temporary directory. Reports wall and CPU seconds (the machine is shared).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search.catalog import item_text, load_catalog  # noqa: E402
from search.embedding import BUILD_THREADS, Embedder  # noqa: E402
from search.index import build_index, default_index_dir  # noqa: E402
from shop.db import get_engine  # noqa: E402


def timed(fn):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    items = load_catalog(get_engine())
    embedder = Embedder(threads=BUILD_THREADS)
    embedder.encode(["warm up"])
    sample = [item_text(i) for i in items[:: max(1, len(items) // 512)][:512]]
    _, wall, cpu = timed(lambda: embedder.encode(sample))
    rows = {
        "products": len(items),
        "encode_sample": len(sample),
        "encode_per_s_wall": round(len(sample) / wall, 1),
        "encode_cpu_s_per_1000": round(cpu / len(sample) * 1000, 1),
        "estimated_full_encode_s_at_cpu_rate_on_2_threads": round(cpu / len(sample) * len(items) / 2, 1),
    }
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "search"
        shutil.copytree(default_index_dir(), target)
        report, wall, cpu = timed(lambda: build_index(items, target, embedder=embedder))
        rows.update(rebuild_unchanged_wall_s=round(wall, 1), rebuild_unchanged_cpu_s=round(cpu, 1))
        rows["rebuild_unchanged_encoded"] = report.encoded
        edited = [replace(i, title=i.title + " (new)") if n % 500 == 0 else i for n, i in enumerate(items)]
        report, wall, cpu = timed(lambda: build_index(edited, target, embedder=embedder))
        rows.update(
            rebuild_after_edits_encoded=report.encoded,
            rebuild_after_edits_wall_s=round(wall, 1),
            rebuild_after_edits_cpu_s=round(cpu, 1),
        )
        size = sum(f.stat().st_size for f in target.rglob("*") if f.is_file())
        rows["index_size_mib"] = round(size / 2**20, 1)
    rows["load_avg_1m"] = round(os.getloadavg()[0], 1)
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
