"""`shopbot chat`, the terminal shell: rendering, choices by number, piped mode, identity.

Against a real HTTP server that answers like Rasa's REST channel (rasa_double.py); the live
version of these runs against the real assistant in test_chat_live.py.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from shop.identity import verify_identity_token
from shopbot.chat import ChatError, ChatSession, render_turn
from shopbot.cli import app
from tests.chat.rasa_double import RasaDouble
from web.rasa import RasaClient
from web.replies import parse_replies

SHOPBOT = Path(sys.executable).parent / "shopbot"
ESC = "\x1b["


def printed(renderable: object, *, terminal: bool = False) -> str:
    console = Console(
        file=io.StringIO(),
        width=100,
        force_terminal=terminal,
        color_system="standard" if terminal else None,
        soft_wrap=True,
    )
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


def jackets_turn() -> list:
    from tests.chat.rasa_double import scripted_answer

    return parse_replies(scripted_answer("jackets", None))


def test_cards_are_a_numbered_list_with_prices_rating_and_stock() -> None:
    out = printed(render_turn(jackets_turn(), rich_text=False))

    lines = out.splitlines()
    assert "Here are **2 jackets** for you:" in lines[0]  # piped: the text exactly as sent
    assert " 1. Trailblazer Waterproof Jacket  $89.99" in lines
    assert " 2. Summit Down Parka  $1,299.00" in lines
    assert "★ 4.5 (120) · in stock · popular in Jackets" in out
    assert "★ 4.8 (120) · out of stock" in out


def test_buttons_are_numbered_through_the_whole_turn_in_reading_order() -> None:
    out = printed(render_turn(jackets_turn(), rich_text=False))

    assert "    [1] More like this  [2] Add to cart" in out.splitlines()
    assert "    [3] More like this  [4] Add to cart" in out.splitlines()


def test_plain_output_has_no_colours_and_a_terminal_gets_them() -> None:
    turn = jackets_turn()
    assert ESC not in printed(render_turn(turn, rich_text=False))
    coloured = printed(render_turn(turn, rich_text=True), terminal=True)
    assert ESC in coloured
    assert "2 jackets" in coloured and "**" not in coloured  # markdown rendered, not shown raw


def test_a_handoff_is_announced_with_its_ticket() -> None:
    from tests.chat.rasa_double import scripted_answer

    out = printed(render_turn(parse_replies(scripted_answer("handoff", None)), rich_text=False))
    assert "A human will take over (ticket #42)" in out


def test_typing_a_number_presses_that_button(rasa: RasaDouble) -> None:
    session = ChatSession(client=RasaClient(rasa.url))
    session.send("jackets")
    replies = session.send("3")

    assert rasa.requests[-1]["message"] == '/similar_items{"product_id": 13}'
    assert replies[0].text == "Similar to product 13:"


def test_a_number_is_plain_text_when_no_choice_is_on_offer(rasa: RasaDouble) -> None:
    session = ChatSession(client=RasaClient(rasa.url))
    session.send("2")
    assert rasa.requests[-1]["message"] == "2"


def test_a_number_beyond_the_choices_is_refused_and_nothing_is_sent(rasa: RasaDouble) -> None:
    session = ChatSession(client=RasaClient(rasa.url))
    session.send("hello")
    sent = len(rasa.requests)

    with pytest.raises(ChatError, match="no choice 5; pick 1 to 2"):
        session.send("5")
    assert len(rasa.requests) == sent
    session.send("2")  # the offered choices are still there
    assert rasa.requests[-1]["message"] == "/deny"


def test_choices_expire_when_the_next_reply_offers_none(rasa: RasaDouble) -> None:
    session = ChatSession(client=RasaClient(rasa.url))
    session.send("hello")
    session.send("1")
    session.send("1")
    assert [r["message"] for r in rasa.requests] == ["hello", "/affirm", "1"]


def test_piped_mode_answers_each_line_in_plain_text(rasa: RasaDouble) -> None:
    result = CliRunner().invoke(app, ["chat", "--url", rasa.url], input="hello\n\n2\njackets\n4\n")

    assert result.exit_code == 0, result.output
    assert ESC not in result.output
    assert "Hi! Shall I show you this week's deals?\n[1] Yes  [2] No\nYou chose no.\n" in result.output
    assert " 1. Trailblazer Waterproof Jacket  $89.99" in result.output
    assert [r["message"] for r in rasa.requests] == [
        "hello",
        "/deny",
        "jackets",
        '/add_to_cart{"product_id": 13}',
    ]
    assert len({r["sender"] for r in rasa.requests}) == 1  # one conversation


def test_piped_mode_reports_a_down_assistant_clearly_and_fails() -> None:
    result = CliRunner().invoke(app, ["chat", "--url", "http://127.0.0.1:9"], input="hello\n")

    assert result.exit_code == 1
    assert "the assistant is not reachable" in result.output
    assert "Traceback" not in result.output


def test_echo_into_shopbot_chat_works_as_a_real_pipe(rasa: RasaDouble) -> None:
    result = subprocess.run(
        [str(SHOPBOT), "chat", "--url", rasa.url],
        input="where is my order 100234\n",
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == "You said: where is my order 100234\n"


def test_chatting_as_a_customer_signs_the_identity_with_the_local_secret(
    rasa: RasaDouble, tiny_shop_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shop.config import get_settings

    monkeypatch.setenv("SHOPBOT_IDENTITY_SECRET", "shell-test-secret")
    monkeypatch.setenv("DATABASE_URL", tiny_shop_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            app, ["chat", "--url", rasa.url, "--as", "alice@example.com"], input="who am i\n"
        )
    finally:
        get_settings.cache_clear()

    assert result.exit_code == 0, result.output
    token = rasa.requests[-1]["metadata"]["shop_identity"]
    assert verify_identity_token(token, secret="shell-test-secret").customer_id == 1
    assert verify_identity_token(token, secret="another-secret").is_guest


def test_chatting_as_an_unknown_customer_is_refused_before_anything_is_sent(
    rasa: RasaDouble, tiny_shop_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shop.config import get_settings

    monkeypatch.setenv("SHOPBOT_IDENTITY_SECRET", "shell-test-secret")
    monkeypatch.setenv("DATABASE_URL", tiny_shop_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            app, ["chat", "--url", rasa.url, "--as", "nobody@example.com"], input="hi\n"
        )
    finally:
        get_settings.cache_clear()

    assert result.exit_code == 2
    assert "no customer 'nobody@example.com'" in result.output
    assert rasa.requests == []


def test_without_a_secret_the_shell_gets_its_token_from_the_shop_pages_login(
    rasa: RasaDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shop.config import get_settings

    monkeypatch.setenv("SHOPBOT_IDENTITY_SECRET", "")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            app, ["chat", "--url", rasa.url, "--web-url", "http://127.0.0.1:9", "--as", "1"], input="hi\n"
        )
    finally:
        get_settings.cache_clear()

    assert result.exit_code == 2
    assert "the shop page at http://127.0.0.1:9 is not reachable" in result.output
    assert rasa.requests == []
