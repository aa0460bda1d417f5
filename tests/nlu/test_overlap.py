"""`shopbot nlu overlap`: a corpus message copied from training is found without anyone
reading the training data."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from shopbot.cli import app
from shopbot.nlu_overlap import overlap_report, training_examples, words
from tests.nlu.test_realistic_report import write_corpus

TRAINING = """version: "3.1"
nlu:
  - intent: order_status
    examples: |
      - where is my order [100234](order_number) please
      - has my parcel left the warehouse yet
      - help
  - regex: order_number
    examples: |
      - \\b\\d{6}\\b
"""


def write_training(directory: Path) -> Path:
    (directory / "sub").mkdir(parents=True)
    (directory / "sub" / "orders.yml").write_text(TRAINING, encoding="utf-8")
    return directory


def test_words_drop_entity_annotations_and_case() -> None:
    assert words('Where is [100234](order_number) or [M]{"entity": "size"}?') == [
        "where",
        "is",
        "100234",
        "or",
        "m",
    ]


def test_the_share_of_4_grams_in_one_training_example_is_measured(tmp_path) -> None:
    training = training_examples(write_training(tmp_path / "nlu"))
    assert [name for _, name in training] == ["sub/orders.yml"] * 3  # regexes are not examples

    report = overlap_report(
        [
            "where is my order 100234 please",  # every 4-gram is in the first example
            "hi where is my order, it is late",  # 1 of 5 4-grams
            "do you sell tents",  # nothing shared
            "help",  # too short for a 4-gram: an exact match is counted
        ],
        training,
    )
    assert [(o.text, round(o.score, 2)) for o in report.overlaps] == [
        ("where is my order 100234 please", 1.0),
        ("hi where is my order, it is late", 0.2),
        ("do you sell tents", 0.0),
    ]
    assert report.largest == 1.0
    assert (report.short_messages, report.short_exact_matches) == (1, 1)
    assert [o.text for o in report.near_copies(0.8)] == ["where is my order 100234 please"]


def test_cli_fails_on_a_near_copy_and_never_prints_training_text(tmp_path) -> None:
    training = write_training(tmp_path / "nlu")
    copied = write_corpus(
        tmp_path / "copied", {"orders.yml": {"order_status": ["has my parcel left the warehouse"]}}
    )
    outcome = CliRunner().invoke(
        app, ["nlu", "overlap", "--corpus", str(copied), "--training", str(training)]
    )
    assert outcome.exit_code == 1, outcome.output
    assert "largest word 4-gram overlap 1.00" in outcome.output
    assert "FAIL 1 near-copies" in outcome.output
    assert "has my parcel left the warehouse yet" not in outcome.output

    own = write_corpus(tmp_path / "own", {"orders.yml": {"order_status": ["any news on 100234?"]}})
    outcome = CliRunner().invoke(app, ["nlu", "overlap", "--corpus", str(own), "--training", str(training)])
    assert outcome.exit_code == 0, outcome.output
    assert "ok   0 near-copies" in outcome.output
