"""An action package for tests/prod/test_action_server_bodies.py: one action that always raises.

Our actions catch their own failures (actions/safety.py), so only an action that does not can
show what the action server answers when an action call fails inside rasa-sdk.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action


class ActionThatFails(Action):
    def name(self) -> str:
        return "action_that_fails"

    def run(self, dispatcher: Any, tracker: Any, domain: Any) -> list[dict[str, Any]]:
        raise RuntimeError(f"failed on the slots {tracker.slots}")
