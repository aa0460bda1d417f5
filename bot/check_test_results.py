"""Fail `make rasa-test` when Rasa's test results fall short of what the project promises.

    .venv/bin/python bot/check_test_results.py var/rasa-test --min-intent-f1 0.93 --min-stories 40

Reads what `rasa test nlu --out DIR/nlu` and `rasa test core --out DIR/core` wrote:

* intent macro-F1 on the held-out set (`nlu/intent_report.json`) must reach `--min-intent-f1`;
* every conversation test must pass (`core/failed_test_stories.yml` lists none), and there must
  be at least `--min-stories` of them in `--stories`.

Prints one line per check and exits 1 if any fails.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

BOT_DIR = Path(__file__).resolve().parent


def count_stories(directory: Path) -> int:
    total = 0
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text()) or {}
        total += len(data.get("stories") or [])
    return total


def failed_stories(results: Path) -> list[str]:
    path = results / "failed_test_stories.yml"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: did `rasa test core --out {results}` run?")
    data = yaml.safe_load(path.read_text()) or {}
    return [story.get("story", "?") for story in data.get("stories") or []]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="directory holding nlu/ and core/ results")
    parser.add_argument("--min-intent-f1", type=float, default=0.93)
    parser.add_argument("--min-stories", type=int, default=40)
    parser.add_argument("--stories", type=Path, default=BOT_DIR / "tests" / "stories")
    args = parser.parse_args(argv)

    ok = True
    report = json.loads((args.results / "nlu" / "intent_report.json").read_text())
    f1 = report["macro avg"]["f1-score"]
    passed = f1 >= args.min_intent_f1
    ok &= passed
    print(
        f"{'ok  ' if passed else 'FAIL'} intent macro-F1 on the held-out set: {f1:.3f}"
        f" (need >= {args.min_intent_f1})"
    )
    weak = sorted(
        (name, values["f1-score"])
        for name, values in report.items()
        if isinstance(values, dict)
        and "f1-score" in values
        and name not in {"macro avg", "weighted avg", "micro avg"}
    )
    below = [f"{name} {score:.3f}" for name, score in weak if score < args.min_intent_f1]
    if below:
        print(f"       intents below {args.min_intent_f1} on their own: {', '.join(below)}")

    total = count_stories(args.stories)
    failed = failed_stories(args.results / "core")
    passed = total >= args.min_stories and not failed
    ok &= passed
    print(
        f"{'ok  ' if passed else 'FAIL'} conversation tests: {total - len(failed)}/{total} passed"
        f" (need all, and >= {args.min_stories})"
    )
    for name in failed:
        print(f"       failed: {name}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
