"""The hook rasa-sdk imports at start-up (it looks for a package of this name).

It only hands on to `actions.access` (token check on /webhook and /actions, PII masking in logs).
"""

from typing import Any

from actions.access import ActionServerAccess


def init_hooks(manager: Any) -> None:
    manager.register(ActionServerAccess())
