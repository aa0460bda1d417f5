"""`shopbot chat` while a person has the conversation: the agent's messages and the notices are
printed while the shell is open, and after the handback the bot answers again. Real shell
(subprocess, piped), real web server, the Rasa double with tracker events (tests/web/agent_double.py)."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from shop import agents
from shop.db import make_engine
from tests.tiny_shop import TinyShops
from tests.web import web_server
from tests.web.agent_double import AgentRasaDouble, running_agent_rasa_double

PASSWORD = "a long console password"


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory, tiny_shops: TinyShops
) -> Iterator[tuple[str, AgentRasaDouble]]:
    database_url = tiny_shops.copy(tmp_path_factory.mktemp("agent-shell-shop") / "shop.db")
    engine = make_engine(database_url)
    agents.add_agent("sam@shop.example", "Sam", PASSWORD, engine=engine)
    engine.dispose()
    with running_agent_rasa_double("agent-shell-token", database_url) as double:
        server = web_server.start_web_server(
            tmp_path_factory.mktemp("agent-shell-web"),
            database_url=database_url, rasa_url=double.url, rasa_token=double.token,
        )  # fmt: skip
        yield server.url, double
        web_server.stop_web_server(server)


def read_until(lines: queue.Queue[str], wanted: str, timeout: float = 30) -> str:
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        seen.append(line)
        if wanted in line:
            return line
    raise AssertionError(f"{wanted!r} never printed; got:\n{''.join(seen)}")


def test_the_shell_shows_the_agents_answer_while_open_and_the_bot_answers_after_the_handback(servers) -> None:  # type: ignore[no-untyped-def]
    web_url, double = servers
    shell = subprocess.Popen(
        [sys.executable, "-m", "shopbot.cli", "chat", "--url", double.url, "--web-url", web_url],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "SHOPBOT_IDENTITY_SECRET": "", "COLUMNS": "200"},
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in shell.stdout], daemon=True).start()
    try:
        shell.stdin.write("handoff\n")
        shell.stdin.flush()
        read_until(lines, "A human will take over")
        agent = requests.Session()
        agent.post(f"{web_url}/api/agent/login", json={"email": "sam@shop.example", "password": PASSWORD})
        [ticket] = agent.get(f"{web_url}/api/agent/tickets").json()["tickets"]
        assert ticket["conversation_id"].startswith("shell-")
        answer = agent.post(
            f"{web_url}/api/agent/tickets/{ticket['id']}/messages", json={"text": "Sam here, hi!"}
        )
        assert answer.status_code == 200, answer.text
        read_until(lines, "has joined the conversation")
        assert "Sam (our team): Sam here, hi!" in read_until(lines, "Sam here, hi!")
        assert agent.post(f"{web_url}/api/agent/tickets/{ticket['id']}/hand-back", json={}).status_code == 200
        read_until(lines, "handed the conversation back")
        shell.stdin.write("hello again\n")
        shell.stdin.flush()
        read_until(lines, "You said: hello again")
    finally:
        shell.stdin.close()
        shell.wait(30)
    assert shell.returncode == 0
