"""Rasa training cost and NLU quality: train from scratch, then test on the held-out set.

    .venv/bin/python bench/conversation_training.py [--skip-test]

Runs `rasa train --force` in bot/ into a temporary directory (the project's own bot/models is
left alone) and prints wall time, CPU time of the training process (user + system, which is what
the shared 2-core machine pays), the model's size, and then intent macro-F1 / accuracy on
bot/tests/nlu/holdout.yml and bot/tests/nlu/dev.yml with that model.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import tempfile
import time
from pathlib import Path

from shop.config import REPO_ROOT

BOT = REPO_ROOT / "bot"
RASA = REPO_ROOT / ".venv-rasa" / "bin" / "rasa"


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(command: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of a child process."""
    cpu_before, started = children_cpu_seconds(), time.perf_counter()
    subprocess.run(command, cwd=BOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started, children_cpu_seconds() - cpu_before


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-test", action="store_true", help="only train")
    args = parser.parse_args(argv)

    out = Path(tempfile.mkdtemp(prefix="rasa-train-bench-"))
    wall, cpu = run(
        [
            str(RASA),
            "train",
            "--force",
            "--num-threads",
            "2",
            "--out",
            str(out),
            "--fixed-model-name",
            "bench",
        ]
    )
    model = out / "bench.tar.gz"
    size = model.stat().st_size / 1e6
    print(f"rasa train: {wall:.0f} s wall, {cpu:.0f} s CPU (user+sys), model {size:.1f} MB")
    if args.skip_test:
        return
    for name in ("holdout", "dev"):
        results = out / f"nlu-{name}"
        run(
            [
                str(RASA),
                "test",
                "nlu",
                "--model",
                str(model),
                "--nlu",
                f"tests/nlu/{name}.yml",
                "--out",
                str(results),
            ]
        )
        report = json.loads((results / "intent_report.json").read_text())
        print(
            f"NLU {name:8s}: intent macro-F1 {report['macro avg']['f1-score']:.3f}, "
            f"accuracy {report['accuracy']:.3f}, {report['macro avg']['support']} messages"
        )


if __name__ == "__main__":
    main()
