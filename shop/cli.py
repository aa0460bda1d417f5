"""`shopbot db|demo|catalog ...` commands: the shop's data layer from the shell."""

from __future__ import annotations

import typer
from rich.console import Console

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
