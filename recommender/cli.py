"""`shopbot recommender ...` commands: train, refresh, evaluate, inspect, and query the recommender."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from recommender.artifact import ArtifactError, artifact_dir, load_artifact, read_header, save_artifact
from recommender.config import TrainConfig
from recommender.types import Recommendation, RecommendationFilters

app = typer.Typer(help="Train, evaluate and query the LightFM recommender.", no_args_is_help=True)
console = Console(stderr=True)


def _log(message: str) -> None:
    console.print(f"[dim]{message}[/dim]")


def _config(epochs: int | None, threads: int | None, tune: bool) -> TrainConfig:
    config = TrainConfig()
    changes: dict[str, object] = {"tune_blend": tune}
    if epochs is not None:
        changes["epochs"] = epochs
    if threads is not None:
        changes["num_threads"] = threads
    return config.replace(**changes)


def _current_fingerprint(directory: Path) -> str | None:
    try:
        return read_header(directory).get("fingerprint")
    except ArtifactError:
        return None


@app.command()
def train(
    if_changed: bool = typer.Option(
        False, "--if-changed", help="Skip training when the data and config match the current artifact."
    ),
    epochs: int | None = typer.Option(None, help="Override the configured number of epochs."),
    threads: int | None = typer.Option(None, help="LightFM threads (more is faster, not reproducible)."),
    tune: bool = typer.Option(True, "--tune/--no-tune", help="Tune the blend on a validation split first."),
    output: Path | None = typer.Option(None, help="Artifact directory (default: model_dir/recommender)."),
) -> None:
    """Train on the shop database (DATABASE_URL) and write a new artifact version."""
    from recommender.data import load_shop_data
    from recommender.train import build_artifact
    from shop.db import get_engine

    config = _config(epochs, threads, tune)
    directory = output or artifact_dir()
    _log("reading interactions, orders and catalog")
    data = load_shop_data(get_engine())
    if not data.interactions:
        console.print("[red]no interactions in the database: seed it first (`shopbot demo seed`)[/red]")
        raise typer.Exit(1)
    fingerprint = data.fingerprint(config)
    if if_changed and _current_fingerprint(directory) == fingerprint:
        console.print(f"recommender is up to date (data fingerprint {fingerprint[:12]}); nothing to train")
        return
    artifact = build_artifact(data, config, progress=True, log=_log)
    path = save_artifact(artifact, directory)
    validation = artifact.metrics.get("validation") or {}
    console.print(
        f"[green]saved[/green] {path} (version {artifact.version}, fingerprint {fingerprint[:12]}, "
        f"{artifact.metrics['train_seconds']} s)"
    )
    if validation:
        console.print(f"validation: {validation}")


@app.command()
def refresh(
    epochs: int = typer.Option(3, help="fit_partial epochs over the new interactions."),
    output: Path | None = typer.Option(None, help="Artifact directory (default: model_dir/recommender)."),
) -> None:
    """Learn from interactions newer than the current artifact with fit_partial (no full retrain)."""
    from recommender.data import load_shop_data
    from recommender.train import refresh_artifact
    from shop.db import get_engine

    directory = output or artifact_dir()
    try:
        artifact = load_artifact(directory)
    except ArtifactError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    data = load_shop_data(get_engine())
    refreshed, summary = refresh_artifact(artifact, data, epochs=epochs, progress=True)
    path = save_artifact(refreshed, directory)
    console.print(f"[green]saved[/green] {path} (version {refreshed.version}): {summary}")
    if summary["skipped_new_customers"] or summary["skipped_new_products"]:
        console.print("new customers or products need a full `shopbot recommender train` to get own vectors")


@app.command()
def evaluate(
    test_days: float = typer.Option(60, help="Length of the hold-out window at the end of the data."),
    epochs: int | None = typer.Option(None, help="Override the configured number of epochs."),
    out: Path | None = typer.Option(None, help="Report directory (default: var/reports)."),
    check: bool = typer.Option(False, help="Exit 1 unless the served recommender beats every baseline."),
) -> None:
    """Temporal-split evaluation of the served recommender and its baselines; JSON report + PNG plot."""
    from recommender.data import load_shop_data
    from recommender.evaluate import REPORT_DIR, evaluate_shop, format_table, write_report
    from shop.db import get_engine

    config = _config(epochs, None, True)
    data = load_shop_data(get_engine())
    report = evaluate_shop(data, config, test_days=test_days, progress=True, log=_log)
    path = write_report(report, out or REPORT_DIR)
    print(format_table(report))
    verdict = report.beats_every_baseline()
    console.print(f"report: {path} and {path.with_suffix('.png')}")
    console.print(f"served beats every baseline on NDCG@10: {verdict}")
    if check and not all(verdict.values()):
        raise typer.Exit(1)


@app.command()
def info(path: Path | None = typer.Argument(None, help="Artifact file or directory.")) -> None:
    """Show the current artifact's version, fingerprint, data summary and metrics."""
    import json

    try:
        header = read_header(path)
    except ArtifactError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    print(json.dumps(header, indent=2, sort_keys=True))


def _print(results: list[Recommendation]) -> None:
    table = Table("#", "product", "title", "score", "reason")
    for item in results:
        table.add_row(str(item.rank), str(item.product_id), item.title, f"{item.score:.3f}", item.reason)
    Console().print(table)
    if results:
        console.print(
            f"strategy {results[0].strategy.value}, recommendation_id {results[0].recommendation_id}"
        )
    else:
        console.print("no products match")


def _load():  # type: ignore[no-untyped-def]
    from recommender.serving import Recommender

    try:
        return Recommender.load()
    except ArtifactError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None


@app.command()
def recommend(
    customer_id: int | None = typer.Argument(None, help="Customer id; omit for a guest."),
    k: int = typer.Option(10, "-k", min=1),
    category: str | None = typer.Option(None),
    brand: str | None = typer.Option(None),
    min_price: float | None = typer.Option(None),
    max_price: float | None = typer.Option(None),
    session: str = typer.Option("", help="Comma-separated product ids seen in this conversation."),
    segment: str | None = typer.Option(None, help="Segment for cold-start popularity."),
) -> None:
    """Top-k products for a customer (or a guest with a session)."""
    try:
        session_ids = [int(p) for p in session.split(",") if p.strip()]
    except ValueError:
        console.print("[red]--session must be comma-separated product ids[/red]")
        raise typer.Exit(2) from None
    filters = RecommendationFilters(category=category, brand=brand, min_price=min_price, max_price=max_price)
    _print(_load().recommend(customer_id, k, filters, session_product_ids=session_ids, segment=segment))


@app.command()
def similar(product_id: int, k: int = typer.Option(10, "-k", min=1)) -> None:
    """Products similar to PRODUCT_ID."""
    from recommender.serving import UnknownProductError

    try:
        _print(_load().similar(product_id, k))
    except UnknownProductError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None


@app.command()
def together(product_ids: list[int], k: int = typer.Option(5, "-k", min=1)) -> None:
    """Products often bought together with PRODUCT_IDS (a product or a cart)."""
    from recommender.serving import UnknownProductError

    try:
        _print(_load().bought_together(product_ids, k))
    except UnknownProductError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
