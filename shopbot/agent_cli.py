"""`shopbot agent`: the people who answer handed-over conversations in the agent console (/agent).

    shopbot agent add sam@shop.example --name Sam            # asks for the password twice
    printf '%s\n' "$PASSWORD" | shopbot agent add sam@shop.example --name Sam --password-stdin

The password is stored only as an argon2id hash (shop/agents.py).
"""

from __future__ import annotations

import sys

import typer

from shop import agents

app = typer.Typer(help="Support agents of the agent console (/agent).", no_args_is_help=True)


@app.command("add")
def add(
    email: str = typer.Argument(..., help="The agent's login email."),
    name: str = typer.Option(..., "--name", help="The name the shopper is told, e.g. Sam."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
    reset_password: bool = typer.Option(
        False, "--reset-password", help="Set a new password (and name) for an existing agent."
    ),
) -> None:
    """Add an agent who may log in to the agent console."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        agent = agents.add_agent(email, name, password, replace_password=reset_password)
    except agents.AgentError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    verb = "updated" if reset_password else "added"
    typer.echo(f"Agent {agent.email} ({agent.name}) {verb}; they log in at /agent.")


@app.command("list")
def list_agents() -> None:
    """The agents who may log in."""
    from sqlalchemy import select

    from shop.db import get_engine, session_factory
    from shop.support_models import Agent

    with session_factory(get_engine())() as session:
        for agent in session.scalars(select(Agent).order_by(Agent.id)):
            state = "" if agent.active else " (inactive)"
            typer.echo(f"{agent.id}\t{agent.email}\t{agent.name}{state}")
