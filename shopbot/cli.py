"""`shopbot` console script. Each package owns its sub-commands; this only composes them."""

from __future__ import annotations

import typer

from analytics.cli import ctr, report
from recommender.cli import app as recommender_app
from recommender.worker import worker
from search.cli import app as search_app
from shop.cli import db_app
from shop.demo.cli import demo_app
from shopbot.agent_cli import app as agent_app
from shopbot.chat import chat
from shopbot.importing_cli import catalog_app, import_command
from shopbot.nlu_cli import app as nlu_app
from shopbot.privacy_cli import app as privacy_app

app = typer.Typer(
    help="Conversational shopping assistant: shop data, search, recommendations, chat.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(agent_app, name="agent")
app.add_typer(catalog_app, name="catalog")
# `shopbot recommender ctr`: click-through of every list shown in chat, order lines included
# (analytics reads what the recommender wrote; the recommender cannot import analytics).
recommender_app.command("ctr")(ctr)
app.add_typer(recommender_app, name="recommender")
app.add_typer(search_app, name="search")
app.add_typer(nlu_app, name="nlu")
app.add_typer(privacy_app, name="privacy")
app.command("chat")(chat)
app.command("import")(import_command)
app.command("report")(report)
app.command("worker")(worker)


if __name__ == "__main__":
    app()
