"""Fail `make rasa-test` when Rasa's test results fall short of what the project promises.

    .venv/bin/shopbot nlu check-results var/rasa-test --min-intent-f1 0.93 --min-stories 40

Reads what `rasa test nlu --out DIR/nlu` and `rasa test core --out DIR/core` wrote:

* intent macro-F1 on the held-out set (`nlu/intent_report.json`) must reach `--min-intent-f1`;
* every conversation test must pass (`core/failed_test_stories.yml` lists none), and there must
  be at least `--min-stories` of them in `--stories`.

Prints one line per check and exits 1 if any fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

BOT_DIR = Path(__file__).resolve().parent.parent / "bot"


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


def check_results(results: Path, *, min_intent_f1: float, min_stories: int, stories: Path) -> int:
    """Print one line per check; 0 when all pass, else 1."""

    ok = True
    report = json.loads((results / "nlu" / "intent_report.json").read_text())
    f1 = report["macro avg"]["f1-score"]
    passed = f1 >= min_intent_f1
    ok &= passed
    print(
        f"{'ok  ' if passed else 'FAIL'} intent macro-F1 on the held-out set: {f1:.3f}"
        f" (need >= {min_intent_f1})"
    )
    weak = sorted(
        (name, values["f1-score"])
        for name, values in report.items()
        if isinstance(values, dict)
        and "f1-score" in values
        and name not in {"macro avg", "weighted avg", "micro avg"}
    )
    below = [f"{name} {score:.3f}" for name, score in weak if score < min_intent_f1]
    if below:
        print(f"       intents below {min_intent_f1} on their own: {', '.join(below)}")

    total = count_stories(stories)
    failed = failed_stories(results / "core")
    passed = total >= min_stories and not failed
    ok &= passed
    print(
        f"{'ok  ' if passed else 'FAIL'} conversation tests: {total - len(failed)}/{total} passed"
        f" (need all, and >= {min_stories})"
    )
    for name in failed:
        print(f"       failed: {name}")
    return 0 if ok else 1
