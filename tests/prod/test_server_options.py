"""Every server's command line survives any secret: a token that starts with "-" is a value.

`secrets.token_urlsafe` starts with "-" one time in 64. Passed as a separate argument, argparse
read such a token as an option (`rasa run: error: argument -t/--auth-token: expected one
argument`), so about one new user in 64 got a `make run` that never started. The commands are
parsed here by the servers' own argument parsers (Rasa's in its environment, rasa-sdk's and
the shop page's in this one), for the local stack and the production profile.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import replace

import pytest

from shopbot.prod import ProdStack, settings_from_env
from shopbot.serve import BOT_DIR, RASA, Stack, StackConfig

DASH_TOKEN = "-Xq3vLr0-leading-dash-test-token-1234567890"
DASH_URL_TOKEN = "--auth-token"  # the worst case: a value that is itself an option's name

_PARSE_RASA_RUN = """
import json, sys
from rasa.__main__ import create_argument_parser
args = create_argument_parser().parse_args(sys.argv[1:])
print(json.dumps({"auth_token": args.auth_token, "cors": args.cors, "port": args.port,
                  "endpoints": args.endpoints, "interface": args.interface}))
"""


def _stack(token: str) -> Stack:
    return Stack(
        StackConfig(
            database_url="sqlite:///unused.db",
            identity_secret="-identity-test-secret-with-a-dash",
            rasa_token=token,
            action_token="-action-test-token-with-a-dash",
        )
    )


def _parse_with_rasa(command: list[str]) -> dict[str, object]:
    if not RASA.exists():
        if os.environ.get("CI"):
            pytest.fail("Rasa's environment is missing (make venvs builds it)")
        pytest.skip("Rasa's environment .venv-rasa is not installed")
    python = RASA.parent / "python"
    result = subprocess.run(
        [str(python), "-c", _PARSE_RASA_RUN, *command[1:]],
        cwd=BOT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("token", [DASH_TOKEN, DASH_URL_TOKEN])
def test_rasa_reads_a_token_starting_with_a_dash_as_the_token(token):
    command, _cwd = _stack(token)._commands()["rasa"]
    parsed = _parse_with_rasa(command)
    assert parsed["auth_token"] == token
    assert parsed["endpoints"] == "endpoints.yml"
    assert parsed["port"] == 5005


def test_the_action_server_and_the_shop_page_parse_their_commands():
    from rasa_sdk.endpoint import create_argument_parser

    from web.__main__ import build_parser

    commands = _stack(DASH_TOKEN)._commands()
    actions = create_argument_parser().parse_args(commands["actions"][0][3:])
    assert (actions.actions, actions.port) == ("actions", 5055)
    web = build_parser().parse_args(commands["web"][0][3:])
    assert (web.host, web.port) == ("127.0.0.1", 8080)


def test_the_production_profile_passes_its_tokens_as_values(monkeypatch):
    env = {
        "SHOPBOT_RASA_TOKEN": "-prod-rasa-test-token-0123456789",
        "SHOPBOT_ACTION_TOKEN": "-prod-action-test-token-0123456789",
        "SHOPBOT_IDENTITY_SECRET": "-prod-identity-test-secret-0123456789",
    }
    stack = ProdStack(settings_from_env(env), with_web=False)
    rasa = stack.servers["rasa-1"]
    command, _cwd = rasa._commands()["rasa"]
    assert _parse_with_rasa(command)["auth_token"] == env["SHOPBOT_RASA_TOKEN"]
    # The action token reaches both sides through the environment only, never the command line.
    assert rasa._env()["SHOPBOT_ACTION_TOKEN"] == env["SHOPBOT_ACTION_TOKEN"]
    assert stack.servers["actions-1"]._env()["SHOPBOT_ACTION_TOKEN"] == env["SHOPBOT_ACTION_TOKEN"]
    assert not any(env["SHOPBOT_ACTION_TOKEN"] in arg for arg in command)


def test_the_local_action_server_listens_on_loopback_and_requires_the_secret():
    stack = _stack(DASH_TOKEN)
    env = stack._env()
    assert env["SANIC_HOST"] == "127.0.0.1"
    assert env["SHOPBOT_ACTION_TOKEN"] == "-action-test-token-with-a-dash"
    other = Stack(replace(stack.config, action_token=StackConfig("x", "y", "z").action_token))
    assert other._env()["SHOPBOT_ACTION_TOKEN"] != env["SHOPBOT_ACTION_TOKEN"]
    endpoints = (BOT_DIR / "endpoints.yml").read_text()
    assert "X-Shopbot-Action-Token: ${SHOPBOT_ACTION_TOKEN}" in endpoints
