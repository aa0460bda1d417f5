"""Start the whole assistant: action server, Rasa server and the demo shop's web server.

`make run` calls `python -m shopbot.serve`; the live tests use `Stack` directly on free ports
and a copy of the demo database. Each server runs in its own process group and logs to a file,
so Ctrl-C (or the end of a test session) stops all of them and nothing is left behind.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from shop.config import REPO_ROOT, VAR_DIR, get_settings

BOT_DIR = REPO_ROOT / "bot"
PYTHON = REPO_ROOT / ".venv" / "bin" / "python"
RASA = REPO_ROOT / ".venv-rasa" / "bin" / "rasa"
SECRETS_FILE = VAR_DIR / "secrets.env"


class StackError(RuntimeError):
    """A server did not come up; the message names it and the tail of its log."""


def options(**values: object) -> list[str]:
    """Command-line options as `--name=value`, one argument each.

    A value given as a separate argument is read as an option when it starts with "-" (a
    random token does, one time in 64: `rasa run: error: argument -t/--auth-token: expected
    one argument`); joined with "=", argparse takes it as the value whatever it holds.
    """
    return [f"--{name.replace('_', '-')}={value}" for name, value in values.items()]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def local_secrets() -> dict[str, str]:
    """Secrets for a local run: from the environment, else generated once into var/ (never the repo)."""
    names = ("SHOPBOT_IDENTITY_SECRET", "SHOPBOT_RASA_TOKEN", "SHOPBOT_ACTION_TOKEN")
    stored: dict[str, str] = {}
    if SECRETS_FILE.exists():
        for line in SECRETS_FILE.read_text().splitlines():
            key, _, value = line.partition("=")
            stored[key.strip()] = value.strip()
    missing = [n for n in names if not os.environ.get(n) and not stored.get(n)]
    if missing:
        for name in missing:
            stored[name] = secrets.token_urlsafe(32)
        SECRETS_FILE.parent.mkdir(parents=True, exist_ok=True)
        SECRETS_FILE.write_text("".join(f"{k}={v}\n" for k, v in stored.items()))
        SECRETS_FILE.chmod(0o600)
    return {n: os.environ.get(n) or stored[n] for n in names}


@dataclass
class StackConfig:
    database_url: str
    identity_secret: str
    rasa_token: str
    #: The secret Rasa sends to the action server (bot/endpoints.yml); without it the action
    #: server refuses /webhook, so nothing but this stack's Rasa can run actions as a shopper.
    action_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    model_dir: Path = field(default_factory=lambda: get_settings().model_dir)
    rasa_models: Path = BOT_DIR / "models"
    host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_port: int = 5055
    web_port: int = 8080
    log_dir: Path = VAR_DIR / "log"
    #: Which servers to start; the web page needs all three.
    components: tuple[str, ...] = ("actions", "rasa", "web")
    endpoints_file: str = "endpoints.yml"
    #: The demo shop's password-less login (web/app.py): the dev profile's; shopbot/prod.py
    #: turns it off and refuses to start with SHOPBOT_DEMO_LOGIN set.
    demo_login: bool = True
    #: Rasa's SQLite tracker store (bot/endpoints.yml), read by `shopbot report` and the dashboard.
    tracker_db: Path = VAR_DIR / "tracker.db"
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://{self.host}:{self.action_port}"

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}"


class Stack:
    """The running servers of one assistant."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self._processes: dict[str, subprocess.Popen[bytes]] = {}

    # --- process management ---------------------------------------------------------------
    def _env(self) -> dict[str, str]:
        c = self.config
        env = dict(os.environ)
        env.update(
            DATABASE_URL=c.database_url,
            SHOPBOT_IDENTITY_SECRET=c.identity_secret,
            SHOPBOT_RASA_TOKEN=c.rasa_token,
            SHOPBOT_ACTION_TOKEN=c.action_token,
            # rasa-sdk binds to 0.0.0.0 unless told otherwise; only this stack's Rasa calls it.
            SANIC_HOST=c.host,
            SHOPBOT_MODEL_DIR=str(c.model_dir),
            SHOPBOT_RASA_URL=c.rasa_url,
            SHOPBOT_ACTION_URL=c.action_url,
            SHOPBOT_WEB_ORIGIN=c.web_url,
            ACTION_ENDPOINT_URL=f"{c.action_url}/webhook",
            HF_HUB_OFFLINE="1",
            TRANSFORMERS_OFFLINE="1",
            PYTHONUNBUFFERED="1",
        )
        env["SHOPBOT_DEMO_LOGIN"] = "true" if c.demo_login else "false"
        env.setdefault("SHOPBOT_TRACKER_DATABASE_URL", f"sqlite:///{c.tracker_db}")
        env["SHOPBOT_TRACKER_DB"] = str(c.tracker_db)
        env.update(c.extra_env)
        return env

    def _commands(self) -> dict[str, tuple[list[str], Path]]:
        c = self.config
        return {
            "actions": (
                [str(PYTHON), "-m", "rasa_sdk", *options(actions="actions", port=c.action_port)],
                REPO_ROOT,
            ),
            "rasa": (
                [
                    str(RASA), "run", "--enable-api",
                    *options(
                        auth_token=c.rasa_token, cors=c.web_url, interface=c.host, port=c.rasa_port,
                        endpoints=c.endpoints_file, credentials="credentials.yml", model=c.rasa_models,
                    ),
                ],
                BOT_DIR,
            ),
            "web": ([str(PYTHON), "-m", "web", *options(host=c.host, port=c.web_port)], REPO_ROOT),
        }  # fmt: skip

    def start(self) -> None:
        self.config.log_dir.mkdir(parents=True, exist_ok=True)
        env = self._env()
        for name, (command, cwd) in self._commands().items():
            if name not in self.config.components:
                continue
            log = open(self.log_path(name), "ab")  # noqa: SIM115 - owned by the child process
            self._processes[name] = subprocess.Popen(
                command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def log_path(self, name: str) -> Path:
        return self.config.log_dir / f"{name}-{self.config.rasa_port}.log"

    def stop(self, timeout: float = 20.0) -> None:
        for process in self._processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self._processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self._processes.clear()

    def restart(self, name: str, timeout: float = 300.0) -> None:
        """Stop and start one server (fault tests: a Rasa or action server restart)."""
        process = self._processes.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(20)
        components, self.config.components = self.config.components, (name,)
        try:
            self.start()
        finally:
            self.config.components = components
        self.wait_until_ready(timeout)

    def kill(self, name: str) -> None:
        """Kill one server hard, as a crash would."""
        process = self._processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def dead(self) -> list[str]:
        return [name for name, p in self._processes.items() if p.poll() is not None]

    # --- readiness ----------------------------------------------------------------------------
    def _ready(self, name: str) -> bool:
        c = self.config
        try:
            if name == "actions":
                return requests.get(f"{c.action_url}/health", timeout=2).ok
            if name == "rasa":
                response = requests.get(f"{c.rasa_url}/status", params={"token": c.rasa_token}, timeout=2)
                return response.ok and bool(response.json().get("model_file"))
            if name == "web":
                return requests.get(f"{c.web_url}/health", timeout=2).ok
        except (requests.RequestException, ValueError):
            return False
        return False

    def wait_until_ready(self, timeout: float = 600.0) -> None:
        deadline = time.monotonic() + timeout
        waiting = set(self._processes)
        while waiting:
            for name in sorted(waiting):
                if self._processes[name].poll() is not None:
                    raise StackError(f"{name} server exited:\n{self.log_tail(name)}")
                if self._ready(name):
                    waiting.discard(name)
            if waiting and time.monotonic() > deadline:
                tails = "\n".join(f"--- {n}:\n{self.log_tail(n)}" for n in sorted(waiting))
                raise StackError(f"not ready after {timeout:.0f}s: {', '.join(sorted(waiting))}\n{tails}")
            if waiting:
                time.sleep(0.5)

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.log_path(name)
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def __enter__(self) -> Stack:
        self.start()
        try:
            self.wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def _print_welcome(config: StackConfig) -> None:
    c = config
    print(
        f"""
The shopping assistant is running.

  Shop page with chat widget:  {c.web_url}
  Terminal chat:               .venv/bin/shopbot chat --url {c.rasa_url}
  Agent console (handoffs):    {c.web_url}/agent  (login: .venv/bin/shopbot agent add EMAIL --name NAME)
  Rasa REST channel:
    curl -s {c.rasa_url}/webhooks/rest/webhook -H 'Content-Type: application/json' \\
         -d '{{"sender": "me", "message": "where is my order 100234?"}}'
  Rasa HTTP API (token in var/secrets.env):  {c.rasa_url}/status?token=$SHOPBOT_RASA_TOKEN
  Action server health:        {c.action_url}/health
  Logs:                        {c.log_dir}/

Press Ctrl-C to stop.
""",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the shopping assistant's servers.")
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--action-port", type=int, default=5055)
    parser.add_argument("--web-port", type=int, default=8080)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for readiness")
    args = parser.parse_args(argv)

    keys = local_secrets()
    config = StackConfig(
        database_url=get_settings().database_url,
        identity_secret=keys["SHOPBOT_IDENTITY_SECRET"],
        rasa_token=keys["SHOPBOT_RASA_TOKEN"],
        action_token=keys["SHOPBOT_ACTION_TOKEN"],
        rasa_port=args.rasa_port,
        action_port=args.action_port,
        web_port=args.web_port,
    )
    stack = Stack(config)

    def _terminate(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    # Started in the background by a non-interactive shell, SIGINT arrives ignored; Ctrl-C must stop us.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    print("Starting the action server, Rasa (loading the model takes about a minute) and the shop page…")
    stack.start()
    try:
        stack.wait_until_ready(args.timeout)
        _print_welcome(config)
        while not stack.dead():
            time.sleep(0.5)
        name = stack.dead()[0]
        print(f"The {name} server stopped unexpectedly:\n{stack.log_tail(name)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except StackError as error:
        print(f"Could not start the assistant: {error}", file=sys.stderr)
        return 1
    finally:
        # A second Ctrl-C (or a signal relayed by a wrapper) must not abandon the children.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("Stopping…", flush=True)
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
