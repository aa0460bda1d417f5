"""`shopbot demo seed`: the demo shop from the shell."""

from __future__ import annotations

import typer
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from shop import db
from shop.cli import console, fail, fail_database

demo_app = typer.Typer(help="The deterministic demo shop.", no_args_is_help=True)


@demo_app.command("seed")
def demo_seed(
    reset: bool = typer.Option(False, "--reset", help="Empty every table first (in the same transaction)."),
    seed: int | None = typer.Option(None, "--seed", help="Random seed (default: settings.demo_seed)."),
    size: str = typer.Option("default", "--size", help="default (full shop) or tiny (for tests)."),
) -> None:
    """Fill the database named by DATABASE_URL with the deterministic demo shop."""
    from shop.config import get_settings
    from shop.demo import SIZES, DemoShopError, seed_demo_shop

    if size not in SIZES:
        fail(f"unknown size {size!r}; choose one of {', '.join(SIZES)}", code=2)
    chosen_seed = get_settings().demo_seed if seed is None else seed
    try:
        summary = seed_demo_shop(db.get_engine(), seed=chosen_seed, size=SIZES[size], reset=reset)
    except DemoShopError as error:
        fail(str(error))
    except SQLAlchemyError as error:
        fail_database(error)
    table = Table(caption=f"demo shop '{summary.size}', seed {summary.seed}, {summary.seconds:.1f} s")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in summary.counts.items():
        table.add_row(name, f"{count:,}")
    console.print(table)
