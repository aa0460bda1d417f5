"""The NLU training data (bot/data/nlu/) is organised by topic, big enough, current, and apart
from the realistic evaluation corpus (issue 17, items 3 and 4)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml

from shopbot.nlu_overlap import overlap_report, training_examples
from shopbot.nlu_realistic import load_corpus

REPO = Path(__file__).resolve().parents[2]
NLU_DIR = REPO / "bot" / "data" / "nlu"
TOPICS = {
    *("account", "advice", "basics", "cart", "orders", "out_of_scope", "privacy", "returns"),
    *("shopping", "support", "patterns", "synonyms"),
}
#: Short answers a form asks for; their examples are naturally few and short.
ANSWERS = {"inform"}


def examples(path: Path) -> list[tuple[str, str]]:
    """(intent, text without entity annotations) of every example in one file."""
    found = []
    for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
        if "intent" not in block:
            continue
        for line in block["examples"].splitlines():
            if line.strip().startswith("- "):
                found.append((block["intent"], plain(line.strip()[2:])))
    return found


def plain(text: str) -> str:
    import re

    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\{[^}]*\}", r"\1", text)
    return " ".join(text.lower().split())


def training() -> list[tuple[str, str]]:
    return [e for path in sorted(NLU_DIR.rglob("*.yml")) for e in examples(path)]


def test_one_file_per_family_of_intents() -> None:
    assert {p.stem for p in NLU_DIR.glob("*.yml")} == TOPICS
    assert {p.stem for p in (NLU_DIR / "variants").glob("*.yml")} <= TOPICS


def test_every_intent_has_at_least_150_examples() -> None:
    per_intent = Counter(intent for intent, _ in training())
    small = {i: n for i, n in per_intent.items() if n < 150 and i not in ANSWERS}
    assert small == {}


def test_no_example_is_labelled_with_two_intents() -> None:
    labels = defaultdict(set)
    for intent, text in training():
        labels[text].add(intent)
    assert {t: sorted(i) for t, i in labels.items() if len(i) > 1} == {}


def test_no_realistic_corpus_message_of_four_words_or_more_is_near_a_training_example() -> None:
    # One to three words ("yes please", "checkout") are bound to coincide; they are only counted.
    report = overlap_report(list(load_corpus()), training_examples())
    assert report.near_copies(0.8) == []
    trained = {text for _, text in training()}
    assert [t for t in load_corpus() if len(t.split()) >= 4 and plain(t) in trained] == []


def test_generated_variants_are_current() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "bot" / "nlu_variants.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
