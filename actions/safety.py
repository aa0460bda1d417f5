"""Shoppers never see a stack trace: an action that fails says sorry and leaves nothing half-done.

`polite` wraps an action's `run`. Any exception (database unreachable, a bug) is logged with
its traceback and the shopper gets a short apology instead of silence. For a form validation
action, the slots it was validating are emptied as well, so an unverified order number can
never slip through to a write: the form simply asks again.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from shop.audit import Actor, ActorKind, acting
from shop.texts import say

log = logging.getLogger(__name__)

TROUBLE_TEXT = say("conversation.trouble")

Run = Callable[..., Any]


def polite(run: Run) -> Run:
    """Decorate an action's (sync or async) `run(self, dispatcher, tracker, domain)`."""

    @functools.wraps(run)
    async def wrapper(self: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any) -> list:
        try:
            # Every write of this call is audited with its conversation (shop/audit.py); the
            # actor is the requester the write is given, a guest until one is.
            with acting(Actor(ActorKind.GUEST, None, tracker.sender_id)):
                result = run(self, dispatcher, tracker, domain)
                if isinstance(result, Awaitable):
                    result = await result
            return result
        except Exception:
            log.exception("action %s failed (sender %s)", self.name(), tracker.sender_id)
            dispatcher.utter_message(text=TROUBLE_TEXT)
            if self.name().startswith("validate_"):
                return [SlotSet(name, None) for name in tracker.slots_to_validate()]
            return []

    return wrapper
