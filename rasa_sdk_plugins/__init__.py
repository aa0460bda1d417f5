"""The hook rasa-sdk imports at start-up (it looks for a package of this name).

It registers `actions.access` (token check on /webhook and /actions, PII masking in logs),
`actions.call_shape` (a body that is not an action call gets a 400, no answer echoes a body) and
`actions.warm_up` (services loaded once the server serves). The token check comes first, so a
caller without the secret learns nothing about what a valid body looks like.
"""

from typing import Any

from actions.access import ActionServerAccess
from actions.call_shape import ActionCallShape
from actions.warm_up import ServiceWarmUp


def init_hooks(manager: Any) -> None:
    manager.register(ActionServerAccess())
    manager.register(ActionCallShape())
    manager.register(ServiceWarmUp())
