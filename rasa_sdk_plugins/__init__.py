"""The hook rasa-sdk imports at start-up (it looks for a package of this name).

It only hands on to `actions.access` (token check on /webhook and /actions, PII masking in logs)
and `actions.warm_up` (services loaded once the server serves).
"""

from typing import Any

from actions.access import ActionServerAccess
from actions.warm_up import ServiceWarmUp


def init_hooks(manager: Any) -> None:
    manager.register(ActionServerAccess())
    manager.register(ServiceWarmUp())
