"""How well the assistant understands messages nobody on the team trained it on.

The realistic corpus (`bot/tests/nlu/realistic/`, issue 17) holds in-scope shopper messages,
one file per family of intents, plus `offtopic.yml` (unrelated domains, labelled
`out_of_scope`) and `other_languages.yml` (requests in languages the assistant does not speak,
also labelled `out_of_scope`). This module joins that corpus with Rasa's predictions and
reports, per intent, what a shopper would have got:

* **correct**: the labelled intent;
* **false fallback**: an in-scope message that got no flow at all: the `FallbackClassifier`
  fired (`nlu_fallback`, or a confidence below its threshold) or it was called `out_of_scope`;
* **wrong flow**: an in-scope message routed to another in-scope intent.

For off-topic and other-language messages it reports the **detection rate**: the share that
started no flow, i.e. predicted `out_of_scope`, `nlu_fallback` (or below the fallback
threshold), or one of the `--detected-intent` names (a language-detection marker, if the
pipeline sets one).

Where the predictions come from, in the results folder DIR:

* `predictions.json`, written by `bot/tests/nlu/realistic/parse.py` (the model parses each
  message as the server would): the final prediction, `nlu_fallback` included from both the
  confidence and the ambiguity threshold. Used when present.
* otherwise `intent_successes.json` and `intent_errors.json` from
  `rasa test nlu --successes --out DIR`, one entry per message (`text`, `intent`,
  `intent_prediction: {name, confidence}`). Rasa 3.6 *undoes* the FallbackClassifier's verdict
  before writing them (rasa/nlu/test.py, `undo_fallback_prediction`), so the fallback is
  reconstructed from the confidence and the threshold in `bot/config.yml`; the
  `ambiguity_threshold` needs the second-best confidence, which those files do not keep, so
  there the false-fallback figure is a lower bound.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
OTHER_LANGUAGES_FILE = "other_languages.yml"
PREDICTIONS_FILE = "predictions.json"
REPO_DIR = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO_DIR / "bot" / "tests" / "nlu" / "realistic"
DEFAULT_CONFIG = REPO_DIR / "bot" / "config.yml"


@dataclass(frozen=True, slots=True)
class CorpusMessage:
    text: str
    intent: str
    kind: str  # "in_scope", "off_topic" or "other_language"
    source: str  # file name inside the corpus folder


@dataclass(frozen=True, slots=True)
class Prediction:
    text: str
    intent: str
    confidence: float
    final: bool = False  # True: the pipeline's own verdict, nlu_fallback not undone


@dataclass(slots=True)
class IntentScore:
    intent: str
    total: int = 0
    correct: int = 0
    false_fallback: int = 0
    wrong_flow: int = 0
    confused_with: Counter = field(default_factory=Counter)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True)
class Gates:
    min_accuracy: float = 0.93
    max_false_fallback: float = 0.05
    min_offtopic: float = 0.90
    min_intent: float = 0.80


@dataclass(slots=True)
class Report:
    intents: dict[str, IntentScore]
    off_topic: tuple[int, int]  # (detected, total)
    other_language: tuple[int, int]
    missing: list[str]  # corpus messages without a prediction
    missed_off_topic: list[tuple[str, str]]  # (text, predicted intent)

    @property
    def in_scope_total(self) -> int:
        return sum(score.total for score in self.intents.values())

    def rate(self, attribute: str) -> float:
        total = self.in_scope_total
        return sum(getattr(s, attribute) for s in self.intents.values()) / total if total else 0.0

    @property
    def offtopic_rate(self) -> float:
        detected = self.off_topic[0] + self.other_language[0]
        total = self.off_topic[1] + self.other_language[1]
        return detected / total if total else 0.0


def _examples(block: dict) -> list[str]:
    lines = (block.get("examples") or "").splitlines()
    return [line.strip()[2:].strip() for line in lines if line.strip().startswith("- ")]


def load_corpus(directory: Path = DEFAULT_CORPUS) -> dict[str, CorpusMessage]:
    """Every labelled message of the corpus, by its text (texts are unique in the corpus)."""
    messages: dict[str, CorpusMessage] = {}
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            intent = block.get("intent")
            if not intent:
                continue
            for text in _examples(block):
                if path.name == OTHER_LANGUAGES_FILE:
                    kind = "other_language"
                elif intent == OUT_OF_SCOPE:
                    kind = "off_topic"
                else:
                    kind = "in_scope"
                if text in messages:
                    raise ValueError(f"{path.name}: {text!r} is already in {messages[text].source}")
                messages[text] = CorpusMessage(text, intent, kind, path.name)
    return messages


def load_predictions(results: Path) -> dict[str, Prediction]:
    """Per-message predictions: `predictions.json` (parse.py), else Rasa's test files."""
    final = (results / PREDICTIONS_FILE).exists()
    names = (PREDICTIONS_FILE,) if final else ("intent_successes.json", "intent_errors.json")
    found = [results / name for name in names]
    if not any(path.exists() for path in found):
        raise FileNotFoundError(
            f"no {PREDICTIONS_FILE}, intent_successes.json or intent_errors.json in {results}:"
            " run bot/tests/nlu/realistic/parse.py or `rasa test nlu --successes --out DIR`"
        )
    predictions: dict[str, Prediction] = {}
    for path in found:
        if not path.exists():
            continue
        for entry in json.loads(path.read_text(encoding="utf-8")):
            predicted = entry.get("intent_prediction") or {}
            text = entry["text"]
            predictions[text] = Prediction(
                text,
                predicted.get("name") or "",
                float(predicted.get("confidence") or 0.0),
                final,
            )
    return predictions


def fallback_threshold(config: Path = DEFAULT_CONFIG) -> float:
    """The FallbackClassifier's confidence threshold in the Rasa config (0 when it has none)."""
    data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    for component in data.get("pipeline") or []:
        if component.get("name") == "FallbackClassifier":
            return float(component.get("threshold", 0.3))
    return 0.0


def evaluate(
    corpus: dict[str, CorpusMessage],
    predictions: dict[str, Prediction],
    threshold: float,
    detected_intents: frozenset[str] = frozenset(),
) -> Report:
    """Score every corpus message against its prediction (see the module docstring)."""
    no_flow = {FALLBACK, OUT_OF_SCOPE} | set(detected_intents)
    intents: dict[str, IntentScore] = {}
    off_topic = [0, 0]
    other_language = [0, 0]
    missing: list[str] = []
    missed: list[tuple[str, str]] = []
    for text, message in corpus.items():
        prediction = predictions.get(text)
        if prediction is None:
            missing.append(text)
            continue
        fell_back = prediction.intent == FALLBACK or (
            not prediction.final and prediction.confidence < threshold
        )
        if message.kind == "in_scope":
            score = intents.setdefault(message.intent, IntentScore(message.intent))
            score.total += 1
            if fell_back or prediction.intent in no_flow:
                score.false_fallback += 1
                score.confused_with[FALLBACK if fell_back else prediction.intent] += 1
            elif prediction.intent == message.intent:
                score.correct += 1
            else:
                score.wrong_flow += 1
                score.confused_with[prediction.intent] += 1
        else:
            counter = other_language if message.kind == "other_language" else off_topic
            counter[1] += 1
            if fell_back or prediction.intent in no_flow:
                counter[0] += 1
            else:
                missed.append((text, prediction.intent))
    return Report(dict(sorted(intents.items())), tuple(off_topic), tuple(other_language), missing, missed)


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def markdown_table(report: Report) -> str:
    """Per-intent figures and the totals, as a Markdown table for BENCHMARKS.md."""
    rows = [
        "| intent | messages | accuracy | false fallback | wrong flow | most often taken for |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for score in report.intents.values():
        top = ", ".join(f"{name} ({n})" for name, n in score.confused_with.most_common(2))
        rows.append(
            f"| {score.intent} | {score.total} | {_percent(score.accuracy)}"
            f" | {_percent(score.false_fallback / score.total)}"
            f" | {_percent(score.wrong_flow / score.total)} | {top or '-'} |"
        )
    rows.append(
        f"| **all in-scope** | {report.in_scope_total} | {_percent(report.rate('correct'))}"
        f" | {_percent(report.rate('false_fallback'))} | {_percent(report.rate('wrong_flow'))} | |"
    )
    for label, (detected, total) in (
        ("off-topic detected", report.off_topic),
        ("other languages detected", report.other_language),
    ):
        share = _percent(detected / total) if total else "-"
        rows.append(f"| **{label}** | {total} | {share} | | | |")
    return "\n".join(rows)


def check(report: Report, gates: Gates) -> list[tuple[bool, str]]:
    """One (passed, line) per gate; every corpus message must also have a prediction."""
    weak = [s for s in report.intents.values() if s.accuracy < gates.min_intent]
    accuracy, fallback = report.rate("correct"), report.rate("false_fallback")
    return [
        (
            not report.missing,
            f"predictions for every corpus message ({len(report.missing)} missing)",
        ),
        (
            accuracy >= gates.min_accuracy,
            f"in-scope accuracy {accuracy:.3f} (need >= {gates.min_accuracy})",
        ),
        (
            fallback <= gates.max_false_fallback,
            f"false fallback {fallback:.3f} (need <= {gates.max_false_fallback})",
        ),
        (
            report.offtopic_rate >= gates.min_offtopic,
            f"off-topic and other-language detected {report.offtopic_rate:.3f}"
            f" (need >= {gates.min_offtopic})",
        ),
        (
            not weak,
            f"every intent >= {gates.min_intent}"
            + (": below: " + ", ".join(f"{s.intent} {s.accuracy:.2f}" for s in weak) if weak else ""),
        ),
    ]


def run(
    results: Path,
    corpus_dir: Path = DEFAULT_CORPUS,
    config: Path = DEFAULT_CONFIG,
    gates: Gates = Gates(),
    threshold: float | None = None,
    detected_intents: frozenset[str] = frozenset(),
    show_missed: int = 10,
) -> int:
    """Print the report and the gates; 0 when all pass, 1 otherwise (the CLI's exit code)."""
    corpus = load_corpus(corpus_dir)
    if threshold is None:
        threshold = fallback_threshold(config) if config.exists() else 0.0
    predictions = load_predictions(results)
    report = evaluate(corpus, predictions, threshold, detected_intents)
    print(markdown_table(report))
    print()
    if any(p.final for p in predictions.values()):
        print(f"predictions from {PREDICTIONS_FILE}: the pipeline's own fallback verdicts")
    else:
        print(f"fallback below confidence {threshold} (ambiguity fallbacks not in Rasa's files)")
    for text, predicted in report.missed_off_topic[:show_missed]:
        print(f"       not detected: {text!r} -> {predicted}")
    for text in report.missing[:show_missed]:
        print(f"       no prediction: {text!r}")
    results_ok = True
    for passed, line in check(report, gates):
        results_ok &= passed
        print(f"{'ok  ' if passed else 'FAIL'} {line}")
    return 0 if results_ok else 1
