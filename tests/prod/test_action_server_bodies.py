"""The action server answers a body that is not an action call with a 400 that quotes nothing.

rasa-sdk called `.get` on whatever JSON `/webhook` received: a list, a string or a number gave a
500 whose answer held the whole request body (`"request_body": [...]`), trackers with a
shopper's address included (issue 18). Real action server processes, each with our plugins
(rasa_sdk_plugins/): one serving our actions, one serving an action that always raises.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from shop.db import upgrade
from shopbot.serve import PYTHON, REPO_ROOT, Stack, StackConfig, free_port, options

TOKEN = "-action-token-for-the-body-tests"
HEADERS = {"X-Shopbot-Action-Token": TOKEN}
#: Something only a caller's body holds: no answer may contain it.
SECRET_IN_BODY = "12 Secret Lane, Springfield"
BODIES_THAT_ARE_NOT_OBJECTS = [
    b"[]",
    b'["' + SECRET_IN_BODY.encode() + b'"]',
    b'"' + SECRET_IN_BODY.encode() + b'"',
    b"5",
    b"1e400",
    b"null",
    b"true",
]
BODIES_THAT_ARE_NOT_JSON = [b"", b"{", b"\xff\xfe", b"{'next_action': 1}", b"[" * 100_000]


def _config(tmp: Path, name: str) -> StackConfig:
    (tmp / name).mkdir()
    url = f"sqlite:///{tmp / name / 'shop.db'}"
    upgrade(url)
    return StackConfig(
        database_url=url,
        identity_secret="body-test-identity-secret",
        rasa_token="body-test-rasa-token",
        action_token=TOKEN,
        action_port=free_port(),
        components=("actions",),
        log_dir=tmp / name,
        tracker_db=tmp / name / "tracker.db",
        extra_env={"SHOPBOT_ACTIONS_WARMUP": "0"},
    )


class FailingActionServer(Stack):
    """The action server process with our plugins, serving tests/prod/action_that_fails.py."""

    def _commands(self) -> dict[str, tuple[list[str], Path]]:
        package = "tests.prod.action_that_fails"
        command = [str(PYTHON), "-m", "rasa_sdk", *options(actions=package, port=self.config.action_port)]
        return {"actions": (command, REPO_ROOT)}


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    tmp = tmp_path_factory.mktemp("action-bodies")
    ours, failing = Stack(_config(tmp, "ours")), FailingActionServer(_config(tmp, "failing"))
    ours.start(), failing.start()
    try:
        ours.wait_until_ready(120), failing.wait_until_ready(120)
        yield ours.config.action_url, failing.config.action_url
    finally:
        ours.stop(), failing.stop()


@pytest.fixture(scope="module")
def webhook(servers: tuple[str, str]) -> str:
    return f"{servers[0]}/webhook"


def _post(url: str, body: bytes, **headers: str) -> requests.Response:
    return requests.post(url, data=body, headers={**HEADERS, **headers}, timeout=30)


def _call(tracker: object, next_action: object = "action_greet", **extra: object) -> bytes:
    return json.dumps({"next_action": next_action, "domain": {}, "tracker": tracker, **extra}).encode()


def _assert_refused_without_echo(response: requests.Response, body: bytes) -> None:
    assert response.status_code == 400, (body[:60], response.status_code, response.text[:300])
    answer = response.json()
    assert set(answer) == {"error"} and answer["error"], answer
    assert SECRET_IN_BODY not in response.text and "request_body" not in response.text


@pytest.mark.parametrize("body", BODIES_THAT_ARE_NOT_OBJECTS, ids=lambda b: b[:20].decode())
def test_a_body_that_is_not_a_json_object_gets_a_400_that_does_not_echo_it(webhook, body):
    _assert_refused_without_echo(_post(webhook, body), body)


@pytest.mark.parametrize("body", BODIES_THAT_ARE_NOT_JSON, ids=["empty", "open", "bytes", "quotes", "deep"])
def test_a_body_that_is_not_json_gets_a_400_that_does_not_echo_it(webhook, body):
    _assert_refused_without_echo(_post(webhook, body), body)


def test_a_deflated_body_is_checked_after_inflating_and_a_broken_one_refused(webhook):
    listed = zlib.compress(json.dumps([SECRET_IN_BODY]).encode())
    _assert_refused_without_echo(_post(webhook, listed, **{"Content-Encoding": "deflate"}), listed)
    broken = b"not deflated " + SECRET_IN_BODY.encode()
    _assert_refused_without_echo(_post(webhook, broken, **{"Content-Encoding": "deflate"}), broken)
    good = zlib.compress(_call({"sender_id": "deflated", "events": []}))
    assert _post(webhook, good, **{"Content-Encoding": "deflate"}).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        _call(SECRET_IN_BODY),
        _call([SECRET_IN_BODY]),
        _call({"events": []}),  # no sender
        _call({"sender_id": 5, "events": []}),
        _call({"sender_id": "x", "slots": [SECRET_IN_BODY]}),
        _call({"sender_id": "x", "latest_message": SECRET_IN_BODY}),
        _call({"sender_id": "x", "latest_message": None}),  # rasa-sdk's tracing called .get on it
        _call({"sender_id": "x", "events": SECRET_IN_BODY}),
        _call({"sender_id": "x", "events": [SECRET_IN_BODY]}),
        _call({"sender_id": "x", "paused": "yes"}),
        _call({"sender_id": "x"}, next_action=[SECRET_IN_BODY]),
        _call({"sender_id": "x"}, domain=SECRET_IN_BODY),
        _call({"sender_id": "x"}, version=5),  # rasa-sdk's version check called .split on it
    ],
    ids=lambda b: b[:70].decode(),
)
def test_an_object_that_is_not_shaped_as_rasas_action_call_gets_a_400_that_does_not_echo_it(webhook, body):
    _assert_refused_without_echo(_post(webhook, body), body)


def test_an_action_call_as_rasa_sends_it_still_runs(webhook):
    latest_message = {"text": "hi", "intent": {"name": "greet"}, "entities": []}
    body = _call({"sender_id": "shape-ok", "slots": {}, "latest_message": latest_message, "events": []})
    response = _post(webhook, body)
    assert response.status_code == 200, response.text[:300]
    assert response.json()["responses"], response.json()


def test_the_secret_is_checked_before_the_body(webhook):
    response = requests.post(webhook, data=b"[]", timeout=30)
    assert response.status_code == 401


def test_an_action_that_fails_gets_a_500_that_does_not_echo_the_call(servers):
    failing_webhook = f"{servers[1]}/webhook"
    tracker = {"sender_id": "x", "slots": {"new_address": SECRET_IN_BODY}, "events": []}
    body = _call(tracker, "action_that_fails")
    response = _post(failing_webhook, body)
    assert response.status_code == 500
    assert response.json() == {"error": "the action server could not run this call"}
    assert SECRET_IN_BODY not in response.text
