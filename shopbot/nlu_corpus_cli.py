"""`shopbot nlu realistic|overlap`: the realistic-corpus report and the near-copy check.

    .venv/bin/shopbot nlu realistic var/rasa-test/realistic      # after rasa test nlu, below
    .venv/bin/shopbot nlu overlap                                # corpus vs bot/data/nlu/**

Registered on `shopbot nlu` by nlu_cli.py. The predictions come from
`cd bot && ../.venv-rasa/bin/rasa test nlu --nlu tests/nlu/realistic --successes --no-plot
--out ../var/rasa-test/realistic`.
"""

from __future__ import annotations

from pathlib import Path

import typer

from shopbot import nlu_overlap, nlu_realistic


def realistic(
    results: Path = typer.Argument(..., help="The `rasa test nlu --successes --out` folder."),
    corpus: Path = typer.Option(nlu_realistic.DEFAULT_CORPUS, help="The corpus folder."),
    config: Path = typer.Option(nlu_realistic.DEFAULT_CONFIG, help="Rasa config (fallback threshold)."),
    min_accuracy: float = typer.Option(0.93, help="Least in-scope accuracy."),
    max_false_fallback: float = typer.Option(0.05, help="Most in-scope messages without a flow."),
    min_offtopic: float = typer.Option(0.90, help="Least off-topic/other-language detection."),
    min_intent: float = typer.Option(0.80, help="Least accuracy of any single intent."),
    threshold: float | None = typer.Option(None, help="Fallback threshold (default: from config)."),
    detected_intent: list[str] = typer.Option(
        [], help="Extra intent meaning 'no flow started' (e.g. a language marker); repeatable."
    ),
) -> None:
    """Per-intent accuracy, false fallback and wrong flow, off-topic detection; gates (exit 1)."""
    gates = nlu_realistic.Gates(min_accuracy, max_false_fallback, min_offtopic, min_intent)
    code = nlu_realistic.run(results, corpus, config, gates, threshold, frozenset(detected_intent))
    raise typer.Exit(code)


def overlap(
    corpus: Path = typer.Option(nlu_realistic.DEFAULT_CORPUS, help="The corpus folder."),
    training: Path = typer.Option(nlu_overlap.DEFAULT_TRAINING, help="The training NLU folder."),
    max_overlap: float = typer.Option(
        0.8, help="A message with this share of 4-grams in one training example fails."
    ),
) -> None:
    """Largest word 4-gram overlap of corpus messages with any one training example."""
    raise typer.Exit(nlu_overlap.run(corpus, training, max_overlap))
