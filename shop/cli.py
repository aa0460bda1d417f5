"""`shopbot db ...` and `shopbot catalog export` (`catalog_export`): the shop's data layer from the shell.

Commands that compose layers (`shopbot catalog import`, `shopbot import`: an import is followed by
re-indexing search and refreshing the recommender) live in `shopbot/importing_cli.py`; this module
imports nothing above `shop/`. The helpers `fail`, `fail_database` and `render_catalog_error` are
shared with those commands so every data command reports errors the same way.
"""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError

from shop import db

console = Console(stderr=True)

db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Migrate the database named by DATABASE_URL (default: SQLite under var/) to REVISION."""
    db.upgrade(revision=revision)
    console.print(f"database at revision [bold]{db.current_revision()}[/bold]")


@db_app.command("current")
def db_current() -> None:
    """Print the database's current migration revision."""
    print(db.current_revision() or "(empty)")


def fail(message: str, code: int = 1) -> NoReturn:
    console.print(f"[red]error:[/red] {message}", soft_wrap=True, highlight=False)
    raise typer.Exit(code)


def fail_database(error: SQLAlchemyError) -> NoReturn:
    # e.g. a database that was never migrated: say what to do instead of dumping a stack trace.
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    fail(f"database error: {reason} (is the database migrated? run `shopbot db upgrade`)")


def render_catalog_error(error: Exception) -> None:
    from rich.table import Table

    from shop.catalog import CatalogValidationError

    console.print(f"[red]error:[/red] {error}", soft_wrap=True, highlight=False)
    if isinstance(error, CatalogValidationError):
        table = Table("line", "sku", "reason", show_lines=False)
        for row_error in error.errors:
            table.add_row(str(row_error.line), row_error.sku or "", row_error.reason)
        console.print(table)


def catalog_export(
    file: str = typer.Argument(..., help="Where to write (.csv or .jsonl; '-' for standard output)."),
    fmt: str | None = typer.Option(None, "--format", help="csv or jsonl (default: from the file name)."),
) -> None:
    """Write every product, sorted by SKU, as CSV or JSON Lines that re-imports unchanged."""
    from shop.catalog import CatalogError, export_catalog

    try:
        result = export_catalog(db.get_engine(), file, fmt=fmt)
    except CatalogError as error:
        render_catalog_error(error)
        raise typer.Exit(1) from None
    except SQLAlchemyError as error:
        fail_database(error)
    console.print(f"exported {result.products:,} products to {file} ({result.format})", soft_wrap=True)
