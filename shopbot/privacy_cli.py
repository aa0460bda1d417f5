"""`shopbot privacy export|erase`: what an agent does on a shopper's request (issue 16).

    shopbot privacy export --customer-id 12          # or --email guest@example.com (a guest)
    shopbot privacy erase --customer-id 12 --agent-id 3 --yes

A logged-in shopper does both in chat; a guest asks a person, who runs these. The tracker store is
`SHOPBOT_TRACKER_DATABASE_URL`. Erasure is audited with the agent (or the system) as actor.
"""

from __future__ import annotations

import json

import typer

app = typer.Typer(help="A shopper's data: export it as JSON, or erase it.", no_args_is_help=True)


def _target(customer_id: int | None, email: str | None) -> None:
    if (customer_id is None) == (email is None):
        raise typer.BadParameter("name the shopper: --customer-id N, or --email E for a guest")


@app.command()
def export(
    customer_id: int | None = typer.Option(None, help="A customer's id."),
    email: str | None = typer.Option(None, help="A guest's email (guest checkouts and their chats)."),
) -> None:
    """Print everything kept about the shopper as JSON."""
    from analytics.cli import tracker_engine
    from shop.personal_data import export_data, export_guest

    _target(customer_id, email)
    tracker = tracker_engine()
    try:
        data = (
            export_data(customer_id, tracker=tracker)
            if customer_id is not None
            else export_guest(str(email), tracker=tracker)
        )
    except LookupError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps(data, indent=2))


@app.command()
def erase(
    customer_id: int | None = typer.Option(None, help="A customer's id."),
    email: str | None = typer.Option(None, help="A guest's email."),
    agent_id: int | None = typer.Option(None, help="The agent doing it (the audit's actor)."),
    yes: bool = typer.Option(False, "--yes", help="Really erase (it cannot be undone)."),
) -> None:
    """Erase the shopper's personal data (orders keep what the shop must keep)."""
    from analytics.cli import tracker_engine
    from shop.audit import SYSTEM, Actor
    from shop.erasure import erase_data, erase_guest

    _target(customer_id, email)
    if not yes:
        typer.echo("Nothing erased: add --yes to erase (it cannot be undone).", err=True)
        raise typer.Exit(1)
    actor = Actor.agent(agent_id) if agent_id is not None else SYSTEM
    try:
        report = (
            erase_data(customer_id, actor=actor, tracker=tracker_engine())
            if customer_id is not None
            else erase_guest(str(email), actor=actor, tracker=tracker_engine())
        )
    except (LookupError, ValueError) as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"erased: {report.orders_anonymised} orders anonymised, {report.events_deleted} events, "
        f"{report.tickets_erased} tickets, {report.conversations_erased} conversations"
    )
