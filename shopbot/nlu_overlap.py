"""Near-copy check: is any evaluation message a copy of a training example?

The realistic corpus must be written apart from the training data (issue 17), so this reads
both mechanically, and nobody has to read the training data to check it. For each corpus
message with at least four words it finds the training example that shares the largest share
of the message's word 4-grams (lowercased words; entity annotations stripped) and reports
the largest such share over the corpus. A message with `max_overlap` (default 0.8) or more of
its 4-grams in one training example is a near-copy and fails the check. Messages of one to
three words have no 4-gram; an exact match of such a message ("help", "yes please") is
unavoidable and only counted. Training texts are never printed: only corpus messages, their
score and the training file that holds the match.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from shopbot.nlu_realistic import DEFAULT_CORPUS, REPO_DIR, load_corpus

DEFAULT_TRAINING = REPO_DIR / "bot" / "data" / "nlu"
N = 4
_WORD = re.compile(r"\w+(?:'\w+)?", re.UNICODE)
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True, slots=True)
class Overlap:
    text: str  # the corpus message
    score: float  # share of its 4-grams found in one training example
    training_file: str  # where that training example is ("" when nothing matched)


@dataclass(frozen=True, slots=True)
class OverlapReport:
    overlaps: list[Overlap]  # one per corpus message of >= 4 words, largest first
    short_messages: int
    short_exact_matches: int
    training_examples: int

    @property
    def largest(self) -> float:
        return self.overlaps[0].score if self.overlaps else 0.0

    def near_copies(self, max_overlap: float) -> list[Overlap]:
        return [o for o in self.overlaps if o.score >= max_overlap]


def words(text: str) -> list[str]:
    return _WORD.findall(_ANNOTATION.sub(r"\1", text).lower())


def ngrams(tokens: list[str], n: int = N) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def training_examples(directory: Path = DEFAULT_TRAINING) -> list[tuple[str, str]]:
    """(text, file name) of every intent example under `directory` (recursively)."""
    found: list[tuple[str, str]] = []
    for path in sorted(directory.rglob("*.y*ml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if not isinstance(block, dict) or "intent" not in block:
                continue
            examples = block.get("examples") or ""
            if isinstance(examples, str):
                lines = [ln.strip() for ln in examples.splitlines()]
                texts = [ln[2:] for ln in lines if ln.startswith("- ")]
            else:
                texts = [e.get("text", "") if isinstance(e, dict) else str(e) for e in examples]
            name = str(path.relative_to(directory))
            found.extend((text, name) for text in texts)
    return found


def overlap_report(corpus_texts: list[str], training: list[tuple[str, str]]) -> OverlapReport:
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    short_training: set[tuple[str, ...]] = set()
    for number, (text, _) in enumerate(training):
        tokens = words(text)
        if len(tokens) < N:
            short_training.add(tuple(tokens))
        for gram in ngrams(tokens):
            index[gram].append(number)
    overlaps: list[Overlap] = []
    short = short_exact = 0
    for text in corpus_texts:
        tokens = words(text)
        grams = ngrams(tokens)
        if not grams:
            short += 1
            short_exact += tuple(tokens) in short_training
            continue
        shared: dict[int, int] = defaultdict(int)
        for gram in grams:
            for number in set(index.get(gram, ())):
                shared[number] += 1
        if shared:
            best = max(shared, key=shared.__getitem__)
            overlaps.append(Overlap(text, shared[best] / len(grams), training[best][1]))
        else:
            overlaps.append(Overlap(text, 0.0, ""))
    overlaps.sort(key=lambda o: o.score, reverse=True)
    return OverlapReport(overlaps, short, short_exact, len(training))


def run(
    corpus_dir: Path = DEFAULT_CORPUS,
    training_dir: Path = DEFAULT_TRAINING,
    max_overlap: float = 0.8,
    show: int = 15,
) -> int:
    """Print the largest overlaps; 1 when any message is a near-copy (or no training data)."""
    training = training_examples(training_dir) if training_dir.exists() else []
    if not training:
        print(f"FAIL no training examples under {training_dir}")
        return 1
    report = overlap_report(list(load_corpus(corpus_dir)), training)
    scores = [o.score for o in report.overlaps]
    mean = sum(scores) / len(scores) if scores else 0.0
    at_half = sum(score >= 0.5 for score in scores)
    print(
        f"{len(scores)} corpus messages of >= {N} words against {report.training_examples}"
        f" training examples: largest word {N}-gram overlap {report.largest:.2f},"
        f" mean {mean:.3f}, {at_half} at >= 0.50"
    )
    print(
        f"{report.short_messages} messages of < {N} words, {report.short_exact_matches}"
        " of them also a training example word for word (counted, not failed)"
    )
    for item in report.overlaps[:show]:
        if item.score > 0:
            print(f"  {item.score:.2f}  {item.text!r}  ({item.training_file})")
    near = report.near_copies(max_overlap)
    passed = not near
    print(
        f"{'ok  ' if passed else 'FAIL'} {len(near)} near-copies"
        f" (>= {max_overlap:.0%} of a message's {N}-grams in one training example)"
    )
    return 0 if passed else 1
