"""`shopbot nlu realistic`: what a shopper got, per intent, read from Rasa's test results.

A tiny synthetic corpus and a results folder shaped like what `rasa test nlu --successes`
writes (intent_successes.json / intent_errors.json, fallback already undone by Rasa).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopbot.cli import app
from shopbot.nlu_realistic import Gates, check, evaluate, fallback_threshold, load_corpus

CORPUS = {
    "orders.yml": {
        "order_status": ["where is 100234", "has my parcel shipped", "track order 100235"],
        "cancel_order": ["cancel 100235", "please cancel my order"],
    },
    "cart.yml": {"view_cart": ["what's in my cart", "show my basket"]},
    "offtopic.yml": {
        "out_of_scope": ["can you help me file my tax return", "order a pizza for me", "weather?"]
    },
    "other_languages.yml": {"out_of_scope": ["我的订单100234到哪里了？", "¿dónde está mi pedido?"]},
}

# text -> (predicted intent, confidence) as Rasa reports it
PREDICTIONS = {
    "where is 100234": ("order_status", 0.97),
    "has my parcel shipped": ("order_status", 0.41),  # below the 0.55 threshold: fell back
    "track order 100235": ("order_status", 0.88),
    "cancel 100235": ("cancel_order", 0.93),
    "please cancel my order": ("order_status", 0.70),  # wrong flow
    "what's in my cart": ("add_to_cart", 0.80),  # wrong flow, the one that writes
    "show my basket": ("out_of_scope", 0.90),  # in scope but no flow: false fallback
    "can you help me file my tax return": ("return_item", 0.81),  # claimed: not detected
    "order a pizza for me": ("out_of_scope", 0.95),
    "weather?": ("greet", 0.30),  # low confidence: the fallback catches it
    "我的订单100234到哪里了？": ("language_unsupported", 0.99),  # a language marker
    "¿dónde está mi pedido?": ("order_status", 0.62),
}


def write_corpus(directory: Path, files: dict = CORPUS) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, intents in files.items():
        blocks = "".join(
            f"  - intent: {intent}\n    examples: |\n" + "".join(f"      - {text}\n" for text in texts)
            for intent, texts in intents.items()
        )
        (directory / name).write_text(f'version: "3.1"\nnlu:\n{blocks}', encoding="utf-8")
    return directory


def write_results(directory: Path, corpus: Path, predictions: dict = PREDICTIONS) -> Path:
    """The two files Rasa writes: entries whose label equals the prediction, and the rest."""
    directory.mkdir(parents=True, exist_ok=True)
    labels = {text: message.intent for text, message in load_corpus(corpus).items()}
    successes, errors = [], []
    for text, (intent, confidence) in predictions.items():
        entry = {
            "text": text,
            "intent": labels[text],
            "intent_prediction": {"name": intent, "confidence": confidence},
        }
        (successes if intent == labels[text] else errors).append(entry)
    (directory / "intent_successes.json").write_text(json.dumps(successes), encoding="utf-8")
    (directory / "intent_errors.json").write_text(json.dumps(errors), encoding="utf-8")
    return directory


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path, Path]:
    corpus = write_corpus(tmp_path / "corpus")
    results = write_results(tmp_path / "results", corpus)
    config = tmp_path / "config.yml"
    config.write_text(
        "pipeline:\n  - name: DIETClassifier\n"
        "  - name: FallbackClassifier\n    threshold: 0.55\n    ambiguity_threshold: 0.1\n"
    )
    return corpus, results, config


def test_each_message_is_correct_a_false_fallback_or_a_wrong_flow(folders) -> None:
    corpus, results, config = folders
    from shopbot.nlu_realistic import load_predictions

    report = evaluate(load_corpus(corpus), load_predictions(results), fallback_threshold(config))

    status = report.intents["order_status"]
    assert (status.total, status.correct, status.false_fallback, status.wrong_flow) == (3, 2, 1, 0)
    cancel = report.intents["cancel_order"]
    assert (cancel.correct, cancel.wrong_flow, cancel.confused_with) == (1, 1, {"order_status": 1})
    cart = report.intents["view_cart"]
    assert (cart.correct, cart.false_fallback, cart.wrong_flow) == (0, 1, 1)
    assert report.in_scope_total == 7
    assert report.rate("correct") == pytest.approx(3 / 7)
    assert report.rate("false_fallback") == pytest.approx(2 / 7)
    assert report.rate("wrong_flow") == pytest.approx(2 / 7)
    # the tax return was claimed; the pizza (out_of_scope) and "weather?" (fell back) were not
    assert report.off_topic == (2, 3)
    assert report.missed_off_topic[0] == ("can you help me file my tax return", "return_item")


def test_a_language_marker_counts_as_detected_only_when_named(folders) -> None:
    corpus, results, config = folders
    from shopbot.nlu_realistic import load_predictions

    messages, predictions = load_corpus(corpus), load_predictions(results)
    assert evaluate(messages, predictions, 0.55).other_language == (0, 2)
    marked = evaluate(messages, predictions, 0.55, frozenset({"language_unsupported"}))
    assert marked.other_language == (1, 2)
    assert marked.offtopic_rate == pytest.approx(3 / 5)


def test_the_gates_name_what_falls_short(folders) -> None:
    corpus, results, config = folders
    from shopbot.nlu_realistic import load_predictions

    report = evaluate(load_corpus(corpus), load_predictions(results), 0.55)
    lines = dict((line.split(" ")[0], passed) for passed, line in check(report, Gates()))
    assert lines == {
        "predictions": True,
        "in-scope": False,
        "false": False,
        "off-topic": False,
        "every": False,
    }
    lenient = Gates(min_accuracy=0.4, max_false_fallback=0.3, min_offtopic=0.4, min_intent=0.0)
    assert all(passed for passed, _ in check(report, lenient))


def test_cli_prints_a_markdown_table_and_exits_1_when_a_gate_fails(folders) -> None:
    corpus, results, config = folders
    args = ["nlu", "realistic", str(results), "--corpus", str(corpus), "--config", str(config)]

    failing = CliRunner().invoke(app, args)
    assert failing.exit_code == 1, failing.output
    assert "| intent | messages | accuracy | false fallback | wrong flow |" in failing.output
    assert "| order_status | 3 | 66.7% | 33.3% | 0.0% | nlu_fallback (1) |" in failing.output
    assert "| **all in-scope** | 7 | 42.9% | 28.6% | 28.6% | |" in failing.output
    assert "FAIL in-scope accuracy 0.429 (need >= 0.93)" in failing.output
    assert "not detected: 'can you help me file my tax return' -> return_item" in failing.output

    passing = CliRunner().invoke(
        app,
        args
        + ["--min-accuracy", "0.4", "--max-false-fallback", "0.3", "--min-offtopic", "0.5"]
        + ["--min-intent", "0", "--detected-intent", "language_unsupported"],
    )
    assert passing.exit_code == 0, passing.output
    assert "| **other languages detected** | 2 | 50.0% |" in passing.output


def test_a_corpus_message_without_a_prediction_fails_the_report(folders, tmp_path) -> None:
    corpus, _, config = folders
    partial = dict(PREDICTIONS)
    del partial["order a pizza for me"]
    results = write_results(tmp_path / "partial", corpus, partial)

    outcome = CliRunner().invoke(
        app,
        ["nlu", "realistic", str(results), "--corpus", str(corpus), "--config", str(config)]
        + ["--min-accuracy", "0", "--max-false-fallback", "1", "--min-offtopic", "0"]
        + ["--min-intent", "0"],
    )
    assert outcome.exit_code == 1
    assert "FAIL predictions for every corpus message (1 missing)" in outcome.output


def test_an_empty_results_folder_is_a_clear_error(tmp_path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    (tmp_path / "empty").mkdir()
    outcome = CliRunner().invoke(app, ["nlu", "realistic", str(tmp_path / "empty"), "--corpus", str(corpus)])
    assert outcome.exit_code != 0
    assert "rasa test nlu --successes --out DIR" in str(outcome.exception)


def test_a_text_twice_in_the_corpus_is_refused(tmp_path) -> None:
    corpus = write_corpus(
        tmp_path / "corpus",
        {"a.yml": {"greet": ["hi"]}, "b.yml": {"greet": ["hello"], "help": ["hi"]}},
    )
    with pytest.raises(ValueError, match="already in a.yml"):
        load_corpus(corpus)


def test_parse_py_predictions_keep_the_pipelines_own_fallback(folders, tmp_path) -> None:
    """predictions.json (parse.py) wins over Rasa's files; its nlu_fallback is final, and a
    low confidence without it (ambiguity resolved by the pipeline) is not a fallback."""
    corpus, results, config = folders
    from shopbot.nlu_realistic import load_predictions

    final = [
        {"text": "where is 100234", "intent": "order_status",
         "intent_prediction": {"name": "order_status", "confidence": 0.50}},
        {"text": "has my parcel shipped", "intent": "order_status",
         "intent_prediction": {"name": "nlu_fallback", "confidence": 0.55}},
    ]  # fmt: skip
    (results / "predictions.json").write_text(json.dumps(final), encoding="utf-8")

    predictions = load_predictions(results)
    assert set(predictions) == {"where is 100234", "has my parcel shipped"}
    report = evaluate(load_corpus(corpus), predictions, fallback_threshold(config))
    status = report.intents["order_status"]
    assert (status.total, status.correct, status.false_fallback) == (2, 1, 1)
    assert len(report.missing) == 10
