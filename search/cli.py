"""`shopbot search ...` commands."""

import typer

app = typer.Typer(help="Build, query and evaluate the product search index.", no_args_is_help=True)
