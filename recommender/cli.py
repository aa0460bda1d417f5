"""`shopbot recommender ...` commands."""

import typer

app = typer.Typer(help="Train, evaluate and query the LightFM recommender.", no_args_is_help=True)
