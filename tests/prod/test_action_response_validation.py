"""Our faster check of action-server responses accepts and rejects exactly what Rasa's does.

bot/action_response_validation.py swaps Rasa's per-call `jsonschema.validate` for a validator
built once (the speed is measured in BENCHMARKS.md, not here). This runs both versions in Rasa's
own environment on valid and invalid responses.
"""

from __future__ import annotations

import json
import subprocess

from shopbot.serve import BOT_DIR, REPO_ROOT

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"

VALID = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "order_number", "value": "100234", "timestamp": None}]},
    {
        "events": [{"event": "active_loop", "name": None}],
        "responses": [{"text": "Hi", "buttons": [{"title": "Yes", "payload": "/affirm"}], "custom": {}}],
    },
]
INVALID = [
    {"events": "not a list"},
    {"events": [{"event": "slot", "name": "x"}], "responses": "not a list"},
    {"events": [{"event": "no_such_event"}]},
]

CHECK = """
import json, sys
sys.path.insert(0, ".")
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
import action_response_validation

def outcome(result):
    try:
        return RemoteAction("action_x", None)._validate_action_result(result)
    except ValidationError as error:
        return "rejected: " + error.message

cases = json.loads(sys.argv[1])
stock = [outcome(case) for case in cases]
action_response_validation.install()
ours = [outcome(case) for case in cases]
print(json.dumps({"stock": stock, "ours": ours}))
"""


def test_the_prebuilt_validator_gives_rasas_own_verdicts_and_messages():
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", CHECK, json.dumps(VALID + INVALID)],
        cwd=BOT_DIR,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    verdicts = json.loads(result.stdout.strip().splitlines()[-1])
    assert verdicts["ours"] == verdicts["stock"]
    assert verdicts["ours"][: len(VALID)] == [True] * len(VALID)
    assert all(str(v).startswith("rejected: ") for v in verdicts["ours"][len(VALID) :])
    assert all("Failed to validate Action server response" in v for v in verdicts["ours"][len(VALID) :])
