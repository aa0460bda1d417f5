"""`shopbot db|demo|catalog ...` commands: the shop's data layer from the shell."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError

from shop import db

console = Console(stderr=True)

db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
demo_app = typer.Typer(help="The deterministic demo shop.", no_args_is_help=True)
catalog_app = typer.Typer(help="Import and export the product catalog.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Migrate the database named by DATABASE_URL (default: SQLite under var/) to REVISION."""
    db.upgrade(revision=revision)
    console.print(f"database at revision [bold]{db.current_revision()}[/bold]")


@db_app.command("current")
def db_current() -> None:
    """Print the database's current migration revision."""
    print(db.current_revision() or "(empty)")


def _fail(message: str, code: int = 1) -> NoReturn:
    console.print(f"[red]error:[/red] {message}", soft_wrap=True, highlight=False)
    raise typer.Exit(code)


def _fail_database(error: SQLAlchemyError) -> NoReturn:
    # e.g. a database that was never migrated: say what to do instead of dumping a stack trace.
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    _fail(f"database error: {reason} (is the database migrated? run `shopbot db upgrade`)")


@demo_app.command("seed")
def demo_seed(
    reset: bool = typer.Option(False, "--reset", help="Empty every table first (in the same transaction)."),
    seed: int | None = typer.Option(None, "--seed", help="Random seed (default: settings.demo_seed)."),
    size: str = typer.Option("default", "--size", help="default (full shop) or tiny (for tests)."),
) -> None:
    """Fill the database named by DATABASE_URL with the deterministic demo shop."""
    from rich.table import Table

    from shop.config import get_settings
    from shop.demo import SIZES, DemoShopError, seed_demo_shop

    if size not in SIZES:
        _fail(f"unknown size {size!r}; choose one of {', '.join(SIZES)}", code=2)
    chosen_seed = get_settings().demo_seed if seed is None else seed
    try:
        summary = seed_demo_shop(db.get_engine(), seed=chosen_seed, size=SIZES[size], reset=reset)
    except DemoShopError as error:
        _fail(str(error))
    except SQLAlchemyError as error:
        _fail_database(error)
    table = Table(caption=f"demo shop '{summary.size}', seed {summary.seed}, {summary.seconds:.1f} s")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in summary.counts.items():
        table.add_row(name, f"{count:,}")
    console.print(table)


def _render_catalog_error(error: Exception) -> None:
    from rich.table import Table

    from shop.catalog import CatalogValidationError

    console.print(f"[red]error:[/red] {error}", soft_wrap=True, highlight=False)
    if isinstance(error, CatalogValidationError):
        table = Table("line", "sku", "reason", show_lines=False)
        for row_error in error.errors:
            table.add_row(str(row_error.line), row_error.sku or "", row_error.reason)
        console.print(table)


@catalog_app.command("import")
def catalog_import(
    file: str = typer.Argument(..., help="A .csv or .jsonl catalog file (schema: data/catalog-schema.md)."),
    fmt: str | None = typer.Option(None, "--format", help="csv or jsonl (default: from the file name)."),
    reindex: bool = typer.Option(
        True, "--reindex/--no-reindex", help="Bring the search index up to date when products changed."
    ),
) -> None:
    """Upsert the file's products by SKU: all rows or none, in one transaction."""
    from shop.catalog import CatalogError, import_catalog

    try:
        result = import_catalog(db.get_engine(), file, fmt=fmt)
    except CatalogError as error:
        _render_catalog_error(error)
        raise typer.Exit(1) from None
    except SQLAlchemyError as error:
        _fail_database(error)
    console.print(
        f"imported {result.total:,} products from {file}: [green]{result.inserted:,} inserted[/green], "
        f"[yellow]{result.updated:,} updated[/yellow], {result.unchanged:,} unchanged",
        soft_wrap=True,
    )
    if reindex and result.changed:
        _reindex_search()


def _reindex_search() -> None:
    # The CLI composes the layers: the shop package itself knows nothing of search. Only products
    # whose text changed are re-encoded; a running action server picks the new index up by itself.
    from search.index import rebuild_from_database

    try:
        report = rebuild_from_database(db.get_engine())
    except Exception as error:  # noqa: BLE001 - the import itself is committed; say how to finish
        _fail(f"imported, but the search index was not rebuilt ({error}): run `shopbot search build`")
    console.print(report.describe(), soft_wrap=True)


@catalog_app.command("export")
def catalog_export(
    file: str = typer.Argument(..., help="Where to write (.csv or .jsonl; '-' for standard output)."),
    fmt: str | None = typer.Option(None, "--format", help="csv or jsonl (default: from the file name)."),
) -> None:
    """Write every product, sorted by SKU, as CSV or JSON Lines that re-imports unchanged."""
    from shop.catalog import CatalogError, export_catalog

    try:
        result = export_catalog(db.get_engine(), file, fmt=fmt)
    except CatalogError as error:
        _render_catalog_error(error)
        raise typer.Exit(1) from None
    except SQLAlchemyError as error:
        _fail_database(error)
    console.print(f"exported {result.products:,} products to {file} ({result.format})", soft_wrap=True)
