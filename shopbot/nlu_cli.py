"""`shopbot nlu`: the tools around the Rasa project that run in this (Python 3.11) environment.

Rasa itself runs in its own Python 3.10 environment and loads only what is in bot/; these
commands prepare its data and judge its test results.
"""

from __future__ import annotations

from pathlib import Path

import typer

from shopbot.lookups import OUTPUT, write_lookups
from shopbot.nlu_corpus_cli import overlap, realistic
from shopbot.rasa_results import BOT_DIR, check_results

app = typer.Typer(help="NLU data and Rasa test gates.", no_args_is_help=True)
app.command("realistic")(realistic)  # issue 17: the realistic corpus report and gates
app.command("overlap")(overlap)  # issue 17: near-copy check, corpus vs training data


@app.command("lookups")
def lookups(output: Path = typer.Option(OUTPUT, help="where to write the lookup tables")) -> None:
    """Write the NLU lookup tables (brands, colours, sizes, product types) from the catalog."""
    if write_lookups(output):
        typer.echo("The lookup tables changed: retrain the Rasa model (`make rasa-model`).")


@app.command("check-results")
def check_results_command(
    results: Path = typer.Argument(..., help="directory holding nlu/ and core/ results"),
    min_intent_f1: float = typer.Option(0.93),
    min_stories: int = typer.Option(40),
    stories: Path = typer.Option(BOT_DIR / "tests" / "stories"),
) -> None:
    """Fail when held-out intent macro-F1, or the conversation tests, fall short."""
    raise typer.Exit(
        check_results(results, min_intent_f1=min_intent_f1, min_stories=min_stories, stories=stories)
    )
