"""`shopbot chat` piped into the real assistant (the live stack)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from shop.db import make_engine
from shop.models import Shipment
from shopbot.serve import Stack

pytestmark = pytest.mark.rasa

SHOPBOT = Path(sys.executable).parent / "shopbot"


def tracking_number(stack: Stack, order_id: int) -> str:
    engine = make_engine(stack.config.database_url)
    with engine.connect() as connection:
        number = connection.scalar(select(Shipment.tracking_number).where(Shipment.order_id == order_id))
    engine.dispose()
    return str(number)


def piped_chat(stack: Stack, text: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SHOPBOT_IDENTITY_SECRET": stack.config.identity_secret,
        "DATABASE_URL": stack.config.database_url,
    }
    return subprocess.run(
        [str(SHOPBOT), "chat", "--url", stack.config.rasa_url, *args],
        input=text,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_echo_an_order_question_into_the_shell_as_a_logged_in_customer(live_stack: Stack) -> None:
    result = piped_chat(live_stack, "where is my order 100234\n", "--as", "alice@example.com")

    assert result.returncode == 0, result.stderr
    assert tracking_number(live_stack, 100234) in result.stdout, result.stdout
    assert "\x1b[" not in result.stdout


def test_a_guest_in_the_shell_does_not_get_someone_elses_tracking_number(live_stack: Stack) -> None:
    result = piped_chat(live_stack, "where is my order 100234\n")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "the assistant answered nothing"
    assert tracking_number(live_stack, 100234) not in result.stdout, result.stdout
