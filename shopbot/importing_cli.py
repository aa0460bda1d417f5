"""`shopbot catalog import|export`: shop commands composed with what follows an import."""

from __future__ import annotations

import typer
from sqlalchemy.exc import SQLAlchemyError

from shop import db
from shop.cli import catalog_export, console, fail, fail_database, render_catalog_error
from shopbot import importing

catalog_app = typer.Typer(help="Import and export the product catalog.", no_args_is_help=True)


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


catalog_app.command("export")(catalog_export)
