"""Start and stop the real shop page server (`python -m web`) for tests (web and browser)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from shopbot.serve import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
IDENTITY_SECRET = "web-test-identity-secret"


@dataclass
class WebServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def start_web_server(
    tmp: Path, *, database_url: str, rasa_url: str, rasa_token: str, extra_env: dict[str, str] | None = None
) -> WebServer:
    """The dev profile's page (demo login on), with limits high enough for a whole test session
    from one address unless `extra_env` says otherwise."""
    port = free_port()
    log = tmp / f"web-{port}.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SHOPBOT_IDENTITY_SECRET": IDENTITY_SECRET,
        "SHOPBOT_RASA_URL": rasa_url,
        "SHOPBOT_RASA_TOKEN": rasa_token,
        "SHOPBOT_DEMO_LOGIN": "true",
        "SHOPBOT_CHAT_RATE_LIMIT": "100000",
        "SHOPBOT_LOGIN_RATE_LIMIT": "100000",
        **(extra_env or {}),
    }
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "web", "--port", str(port)], cwd=REPO_ROOT, env=env, stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"web server exited:\n{log.read_text()}")
        try:
            if requests.get(f"{url}/health", timeout=1).ok:
                return WebServer(url=url, process=process, log=log)
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"web server did not come up:\n{log.read_text()}")


def stop_web_server(server: WebServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
