"""`shopbot import` and `shopbot catalog import|export`: shop commands composed with what follows
an import (`shopbot.importing`)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from sqlalchemy.exc import SQLAlchemyError

from shop import db
from shop.cli import catalog_export, console, fail, fail_database, render_catalog_error
from shopbot import importing
from shopbot.lookups import OUTPUT as LOOKUPS

catalog_app = typer.Typer(help="Import and export the product catalog.", no_args_is_help=True)


@catalog_app.command("import")
def catalog_import(
    file: str = typer.Argument(..., help="A .csv or .jsonl catalog file (schema: data/catalog-schema.md)."),
    fmt: str | None = typer.Option(None, "--format", help="csv or jsonl (default: from the file name)."),
    reindex: bool = typer.Option(
        True, "--reindex/--no-reindex", help="Bring the search index up to date when products changed."
    ),
    follow: bool = typer.Option(
        True, "--follow/--no-follow", help="After a change: the recommender and NLU lookup tables catch up."
    ),
    lookups: Path = typer.Option(LOOKUPS, "--lookups", help="Where the NLU lookup tables are written."),
) -> None:
    """Upsert the file's products by SKU: all rows or none, in one transaction."""
    from shop.catalog import CatalogError, import_catalog

    try:
        result = import_catalog(db.get_engine(), file, fmt=fmt)
    except CatalogError as error:
        render_catalog_error(error)
        raise typer.Exit(1) from None
    except SQLAlchemyError as error:
        fail_database(error)
    console.print(
        f"imported {result.total:,} products from {file}: [green]{result.inserted:,} inserted[/green], "
        f"[yellow]{result.updated:,} updated[/yellow], {result.unchanged:,} unchanged",
        soft_wrap=True,
    )
    if reindex and result.changed:
        step = importing.reindex_search(db.get_engine())
        if not step.ok:
            fail(step.message)
        console.print(step.message, soft_wrap=True)
    if follow and result.changed:
        _print_steps(
            [
                importing.refresh_recommender(db.get_engine()),
                importing.regenerate_lookups(db.get_engine(), lookups),
            ]
        )


def _print_steps(steps: list[importing.FollowUp]) -> None:
    for step in steps:
        console.print(
            ("" if step.ok else "[yellow]warning:[/yellow] ") + step.message, soft_wrap=True, highlight=False
        )


catalog_app.command("export")(catalog_export)


#: Files larger than this get a progress bar (smaller ones import in a blink).
PROGRESS_BYTES = 2 * 1024 * 1024
#: Bad rows shown in full; the rest are counted.
SHOWN_ERRORS = 50


def _line_count(paths: list[str]) -> int:
    total = 0
    for path in paths:
        with open(path, "rb") as stream:
            total += sum(chunk.count(b"\n") for chunk in iter(lambda s=stream: s.read(1 << 20), b""))
    return total


def _summary(report) -> None:  # type: ignore[no-untyped-def]
    from rich.table import Table

    title = "dry run: nothing was written" if report.dry_run and not report.errors else None
    table = Table("kind", "created", "updated", "unchanged", "rejected", title=title)
    for kind, counts in report.counts.items():
        if counts.created or counts.updated or counts.unchanged or counts.rejected:
            table.add_row(
                kind,
                f"{counts.created:,}",
                f"{counts.updated:,}",
                f"{counts.unchanged:,}",
                f"{counts.rejected:,}",
            )
    console.print(table)


def _render_errors(report) -> None:  # type: ignore[no-untyped-def]
    from rich.table import Table

    noun = "row is" if len(report.errors) == 1 else "rows are"
    console.print(
        f"[red]error:[/red] {len(report.errors):,} {noun} bad, nothing was imported", highlight=False
    )
    table = Table("file", "line", "key", "reason")
    for path, error in report.errors[:SHOWN_ERRORS]:
        table.add_row(path, str(error.line), error.key or "", error.reason)
    console.print(table)
    if len(report.errors) > SHOWN_ERRORS:
        console.print(f"... and {len(report.errors) - SHOWN_ERRORS:,} more bad rows")


def import_command(
    files: list[str] = typer.Argument(
        ..., help="Files to import together (our CSV/JSONL, Shopify or WooCommerce)."
    ),
    fmt: str = typer.Option("auto", "--format", help="auto, ours, shopify or woocommerce."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check and count everything, write nothing."),
    reindex: bool = typer.Option(
        True, "--reindex/--no-reindex", help="Re-index search when products changed."
    ),
    follow: bool = typer.Option(
        True,
        "--follow/--no-follow",
        help="After a change: search, recommender and NLU lookup tables catch up.",
    ),
    lookups: Path = typer.Option(LOOKUPS, "--lookups", help="Where the NLU lookup tables are written."),
) -> None:
    """Import the shop's data (products, customers, orders, shipments, returns, refunds): all rows of
    all files in one transaction, or none. Kinds and formats are detected from the headers."""
    from tqdm import tqdm

    from shop.importing import FileProblem, detect, import_files

    engine = db.get_engine()
    try:
        sources = [detect(path, fmt) for path in files]
    except FileProblem as error:
        fail(str(error))
    for source in sources:
        console.print(f"{source.path}: {source.describe()}", highlight=False, soft_wrap=True)
    big = sum(Path(p).stat().st_size for p in files) > PROGRESS_BYTES
    bar = tqdm(total=_line_count(files), unit=" rows", file=sys.stderr, disable=not big, mininterval=0.5)
    try:
        report = import_files(
            engine, files, family=fmt, dry_run=dry_run, progress=lambda n: bar.update(n - bar.n)
        )
    except FileProblem as error:
        fail(str(error))
    except SQLAlchemyError as error:
        fail_database(error)
    else:
        bar.update(max(0, bar.total - bar.n))  # lines counted ahead include headers and multi-line cells
    finally:
        bar.close()
    _summary(report)
    if report.errors:
        _render_errors(report)
        raise typer.Exit(1)
    console.print(
        f"{'checked' if dry_run else 'imported'} in {report.seconds:.1f} s"
        + (" (dry run: nothing was written)" if dry_run else ""),
        highlight=False,
    )
    if dry_run or not follow:
        return
    _print_steps(
        importing.follow_import(
            engine, products_changed=report.products_changed, reindex=reindex, lookups_output=lookups
        )
    )
