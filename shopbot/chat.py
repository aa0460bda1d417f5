"""`shopbot chat`: talk to the running assistant from a terminal.

It speaks to Rasa's REST channel (`POST /webhooks/rest/webhook`), like the shop page does through
its server. Product cards become a numbered list with prices, buttons become numbered choices:
typing a choice's number presses that button (its payload is sent). On a terminal the replies
are coloured and there is line editing with history (arrow keys, kept in a file); with piped
input or output it reads one message per line and prints plain text, so it can be scripted:

    echo "where is my order 100234" | shopbot chat

`--as CUSTOMER` (an id or an email) chats as a logged-in demo customer. That needs a signed
identity token: signed here when SHOPBOT_IDENTITY_SECRET is set (the same secret as the action
server's; `make run` keeps it in var/secrets.env), otherwise asked from the shop page's demo
login (`--web-url`, started by `make run`).
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import requests
import typer
from rich.console import Console, Group, RenderableType
from rich.markdown import Markdown
from rich.text import Text

from shop.config import get_settings
from shop.identity import IDENTITY_METADATA_KEY, sign_identity
from shop.money import format_money
from shop.texts import say
from shopbot.handoff_follow import HandoffFollower, Printer
from web.rasa import MAX_MESSAGE_CHARS, MessageRefused, RasaClient, RasaUnavailable
from web.replies import Button, ProductCard, Reply, parse_replies

QUIT_COMMANDS = frozenset({"/quit", "/exit", ":q"})
DEFAULT_WEB_URL = "http://127.0.0.1:8080"


class ChatError(Exception):
    """A problem the shopper must hear about in words (never a traceback)."""


# --- identity ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Identity:
    token: str
    name: str


def _customer_query(customer: str) -> dict[str, Any]:
    customer = customer.strip()
    if customer.isdigit():
        return {"customer_id": int(customer)}
    if "@" in customer:
        return {"email": customer}
    raise ChatError(f"--as takes a customer id or email (e.g. 1 or alice@example.com), not {customer!r}")


def identity_from_secret(customer: str, secret: str) -> Identity:
    """Sign the identity here, looking the customer up in the shop database."""
    from sqlalchemy import func, select

    from shop.db import get_engine, session_factory
    from shop.models import Customer

    query = _customer_query(customer)
    with session_factory(get_engine())() as session:
        if "customer_id" in query:
            found = session.get(Customer, query["customer_id"])
        else:
            found = session.scalars(
                select(Customer).where(func.lower(Customer.email) == query["email"].lower())
            ).first()
        if found is None:
            raise ChatError(f"no customer {customer!r} in the shop database")
        return Identity(token=sign_identity(found.id, secret=secret), name=found.name)


def identity_from_web(customer: str, web_url: str) -> Identity:
    """Ask the shop page's demo login for a token (it holds the secret)."""
    try:
        response = requests.post(
            f"{web_url.rstrip('/')}/api/login", json=_customer_query(customer), timeout=10
        )
    except requests.RequestException as error:
        raise ChatError(
            f"cannot log in as {customer}: the shop page at {web_url} is not reachable and "
            "SHOPBOT_IDENTITY_SECRET is not set (start it with `make run`, or export the secret "
            "from var/secrets.env)"
        ) from error
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not response.ok:
        raise ChatError(f"cannot log in as {customer}: {body.get('error') or response.status_code}")
    return Identity(token=body["token"], name=body["customer"]["name"])


def resolve_identity(customer: str, *, web_url: str) -> Identity:
    secret = get_settings().identity_secret
    return identity_from_secret(customer, secret) if secret else identity_from_web(customer, web_url)


# --- rendering -----------------------------------------------------------------------------------
def _stock_text(card: ProductCard) -> str:
    if not card.in_stock:
        return "out of stock"
    if card.stock is not None and 0 < card.stock <= 5:
        return f"only {card.stock} left"
    return "in stock"


def _price(card: ProductCard) -> str:
    try:
        return format_money(card.price, card.currency or get_settings().currency)
    except (ArithmeticError, ValueError):
        return f"{card.price} {card.currency}".strip()


def _choices_line(buttons: Sequence[Button], first_number: int, indent: str) -> Text:
    line = Text(indent)
    for offset, button in enumerate(buttons):
        if offset:
            line.append("  ")
        line.append(f"[{first_number + offset}]", style="bold cyan")
        line.append(f" {button.title}")
    return line


def render_reply(reply: Reply, *, first_choice: int, rich_text: bool) -> list[RenderableType]:
    """One reply as terminal lines; its choices are numbered from `first_choice`."""
    parts: list[RenderableType] = []
    number = first_choice
    if reply.text:
        # No terminal hyperlinks: bot text can echo the shopper's words, and a link there must not
        # look like the shop's own (rich then prints a link's target beside its text).
        parts.append(Markdown(reply.text, hyperlinks=False) if rich_text else Text(reply.text))
    if reply.image_url:
        parts.append(Text(f"[image] {reply.image_url}", style="dim"))
    for index, card in enumerate(reply.cards, start=1):
        head = Text(f"{index:>2}. ", style="bold")
        head.append(card.title, style="bold")
        head.append("  ")
        head.append(_price(card), style="bold green")
        parts.append(head)
        facts = []
        if card.rating is not None:
            count = f" ({card.rating_count})" if card.rating_count else ""
            facts.append(f"★ {card.rating:.1f}{count}")
        facts.append(_stock_text(card))
        details = Text("    " + " · ".join(facts), style="yellow" if card.in_stock else "red")
        if card.reason:
            details.append(f" · {card.reason}", style="italic dim")
        parts.append(details)
        if card.buttons:
            parts.append(_choices_line(card.buttons, number, "    "))
            number += len(card.buttons)
    if reply.buttons:
        parts.append(_choices_line(reply.buttons, number, ""))
    if reply.is_handoff:
        ticket = f" (ticket #{reply.handoff_ticket})" if reply.handoff_ticket else ""
        parts.append(
            Text(
                f"⇢ A human will take over{ticket}. Keep writing here; our team sees this conversation.",
                style="bold magenta",
            )
        )
    return parts


def render_turn(replies: Sequence[Reply], *, rich_text: bool) -> Group:
    """All replies to one message; choices are numbered through the whole turn, from 1."""
    parts: list[RenderableType] = []
    number = 1
    for reply in replies:
        parts.extend(render_reply(reply, first_choice=number, rich_text=rich_text))
        number += len(reply.choices)
    return Group(*parts)


# --- the conversation ----------------------------------------------------------------------------
@dataclass
class ChatSession:
    """One conversation with the assistant, remembering the choices last offered."""

    client: RasaClient
    sender: str = field(default_factory=lambda: f"shell-{uuid.uuid4().hex[:16]}")
    identity: Identity | None = None
    choices: tuple[Button, ...] = ()
    #: Shows what a person writes while they have the conversation (shopbot/handoff_follow.py).
    follower: HandoffFollower | None = None

    def choice_for(self, line: str) -> Button | None:
        """The offered button a typed number picks, or None when the line is a message."""
        text = line.strip()
        if not (text.isdigit() and self.choices):
            return None
        number = int(text)
        if not 1 <= number <= len(self.choices):
            raise ChatError(f"there is no choice {number}; pick 1 to {len(self.choices)} or type a message")
        return self.choices[number - 1]

    def message_for(self, line: str) -> str:
        """What to send for a typed line: a number picks one of the offered choices."""
        choice = self.choice_for(line)
        return choice.payload if choice else line.strip()

    def send(self, line: str) -> list[Reply]:
        message = self.message_for(line)
        if len(message) > MAX_MESSAGE_CHARS:
            raise ChatError(say("chat.too_long", length=len(message), limit=MAX_MESSAGE_CHARS))
        metadata = {IDENTITY_METADATA_KEY: self.identity.token} if self.identity else None
        try:
            replies = parse_replies(self.client.send(self.sender, message, metadata))
        except MessageRefused as refused:
            if refused.status == 413:
                raise ChatError(say("chat.too_long", length=len(message), limit=MAX_MESSAGE_CHARS)) from None
            raise ChatError(say("chat.refused", reason=refused.reason)) from None
        except RasaUnavailable as error:
            raise ChatError(
                f"the assistant is not reachable ({error}). Is it running? Try `make run`."
            ) from error
        self.choices = tuple(button for reply in replies for button in reply.choices)
        if self.follower is not None and any(reply.is_handoff for reply in replies):
            self.follower.start()
        return replies


def agent_printer(console: Console) -> Printer:
    def show(role: str, agent: str | None, text: str) -> None:
        if role == "agent":
            console.print(Text.assemble((f"{agent or 'Our team'} (our team): ", "bold green"), text))
        else:
            console.print(Text(f"⇢ {text}", style="bold magenta"))
        console.file.flush()  # piped output is buffered: show it now

    return show


def run_piped(session: ChatSession, lines: Iterable[str], console: Console, errors: Console) -> int:
    """Non-interactive: each input line is one message; replies printed as they come."""
    for line in lines:
        if not line.strip():
            continue
        if line.strip() in QUIT_COMMANDS:
            break
        try:
            replies = session.send(line)
        except ChatError as error:
            errors.print(f"error: {error}", markup=False, highlight=False)
            if "not reachable" in str(error):
                return 1
            continue
        console.print(render_turn(replies, rich_text=False))
    return 0


def run_interactive(session: ChatSession, console: Console, history_file: Path) -> int:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.formatted_text import HTML
    from prompt_toolkit.history import FileHistory
    from prompt_toolkit.patch_stdout import patch_stdout

    history_file.parent.mkdir(parents=True, exist_ok=True)
    prompt = PromptSession(history=FileHistory(str(history_file)))
    who = f"as {session.identity.name}" if session.identity else "as a guest"
    console.print(
        Text.assemble(
            ("Shop assistant", "bold"),
            f" at {session.client.base_url}, chatting {who}.\n",
            ("Type a message; a number picks a choice; ↑/↓ browse history; Ctrl-D or /quit leaves.", "dim"),
        )
    )
    while True:
        try:
            with patch_stdout(raw=True):  # an agent's message may be printed meanwhile
                line = prompt.prompt(HTML("<ansicyan><b>you ›</b></ansicyan> "))
        except (EOFError, KeyboardInterrupt):
            break
        if not line.strip():
            continue
        if line.strip() in QUIT_COMMANDS:
            break
        try:
            choice = session.choice_for(line)
            if choice:
                console.print(Text(f"  → {choice.title}", style="dim"))
            with console.status("the assistant is typing…", spinner="dots"):
                replies = session.send(line)
        except ChatError as error:
            console.print(Text(f"! {error}", style="bold red"))
            continue
        if not replies:
            console.print(Text("(no answer)", style="dim"))
        console.print(render_turn(replies, rich_text=True))
    console.print(Text("Bye!", style="dim"))
    return 0


def default_history_file() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "shopbot" / "chat-history"


def chat(
    url: str = typer.Option(
        None, "--url", envvar="SHOPBOT_RASA_URL", help="Rasa server (default: settings' rasa_url)."
    ),
    customer: str = typer.Option(
        None, "--as", metavar="CUSTOMER", help="Chat as this demo customer (id or email), e.g. 1."
    ),
    web_url: str = typer.Option(
        DEFAULT_WEB_URL,
        "--web-url",
        envvar="SHOPBOT_WEB_ORIGIN",
        help="Shop page that issues identity tokens when SHOPBOT_IDENTITY_SECRET is not set.",
    ),
    sender: str = typer.Option(None, "--sender", help="Conversation id to continue (default: a new one)."),
    history_file: Path = typer.Option(None, "--history-file", help="Where typed lines are remembered."),
) -> None:
    """Chat with the shop assistant in the terminal (reads messages from stdin when piped)."""
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    # Piped: no colours (rich sees no terminal) and no re-wrapping of the assistant's lines.
    console = Console(highlight=False, soft_wrap=not interactive)
    errors = Console(stderr=True, highlight=False)
    client = RasaClient(url or get_settings().rasa_url)
    try:
        identity = resolve_identity(customer, web_url=web_url) if customer else None
    except ChatError as error:
        errors.print(f"error: {error}", markup=False)
        raise typer.Exit(2) from error
    session = ChatSession(client=client, identity=identity)
    if sender:
        session.sender = sender
    session.follower = HandoffFollower(web_url, session.sender, agent_printer(console))
    if interactive:
        code = run_interactive(session, console, history_file or default_history_file())
    else:
        code = run_piped(session, _lines(sys.stdin), console, errors)
    raise typer.Exit(code)


def _lines(stream: TextIO) -> Iterable[str]:
    for line in stream:
        yield line.rstrip("\n")
