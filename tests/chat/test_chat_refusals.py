"""The shell says why a message was refused, instead of "not reachable" (or nothing).

Issue 18: a 10 kB message got HTTP 413 from Rasa's REST channel and the shell reported the
assistant as unreachable (piped: exit status 1). Now it says the message is too long, sends
nothing, and the conversation goes on.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from shopbot.chat import ChatError, ChatSession
from shopbot.cli import app
from tests.chat.rasa_double import RasaDouble
from web.rasa import MAX_MESSAGE_CHARS, MessageRefused, RasaClient


def test_a_long_message_is_refused_in_words_before_anything_is_sent(rasa: RasaDouble) -> None:
    session = ChatSession(client=RasaClient(rasa.url))

    with pytest.raises(ChatError, match=r"too long \(10,000 characters; at most 2,000\)"):
        session.send("x" * 10_000)

    assert rasa.requests == []


def test_rasas_413_is_a_refusal_not_an_unreachable_assistant(rasa: RasaDouble) -> None:
    with pytest.raises(MessageRefused) as refused:
        RasaClient(rasa.url).send("shell-0123456789", "x" * (MAX_MESSAGE_CHARS + 1))

    assert refused.value.status == 413 and "too long" in refused.value.reason


def test_piped_mode_says_too_long_and_answers_the_next_line(rasa: RasaDouble) -> None:
    result = CliRunner().invoke(app, ["chat", "--url", rasa.url], input="y" * 10_000 + "\nhello\n")

    assert result.exit_code == 0, result.output
    assert "Your message is too long (10,000 characters; at most 2,000)" in result.output
    assert "not reachable" not in result.output and "Traceback" not in result.output
    assert "Hi! Shall I show you this week's deals?" in result.output
    assert [r["message"] for r in rasa.requests] == ["hello"]
