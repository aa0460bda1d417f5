"""`shopbot agent add` and `shopbot agent list`, run as a shop owner runs them."""

from __future__ import annotations

import os
import subprocess
import sys

from shop import agents
from shop.db import make_engine, upgrade


def shopbot(database_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shopbot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": database_url},
        timeout=120,
    )


def test_an_owner_adds_an_agent_who_can_then_log_in(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    upgrade(url)
    added = shopbot(
        url,
        "agent",
        "add",
        "Sam@Shop.example",
        "--name",
        "Sam",
        "--password-stdin",
        stdin="a long password\n",
    )
    assert added.returncode == 0, added.stderr
    assert "sam@shop.example (Sam) added" in added.stdout
    again = shopbot(
        url,
        "agent",
        "add",
        "sam@shop.example",
        "--name",
        "Sam",
        "--password-stdin",
        stdin="a long password\n",
    )
    assert again.returncode == 2 and "already an agent" in again.stderr and "Traceback" not in again.stderr
    short = shopbot(
        url, "agent", "add", "kim@shop.example", "--name", "Kim", "--password-stdin", stdin="short\n"
    )
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    assert "sam@shop.example\tSam" in shopbot(url, "agent", "list").stdout
    engine = make_engine(url)
    assert agents.authenticate("sam@shop.example", "a long password", engine=engine).name == "Sam"
    engine.dispose()
