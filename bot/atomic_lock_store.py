"""A Redis lock store whose ticket operations are atomic across Rasa servers.

Rasa OSS 3.6's `RedisLockStore` issues and returns tickets with a read-modify-write of one
JSON value (GET, change in Python, SET). Two Rasa servers that receive messages of the same
conversation at the same moment can both read the lock before either writes it, both issue
ticket 0 and both process the conversation at once; a slow release can likewise overwrite a
ticket that another server has just issued (RasaHQ/rasa#9213; the fix, PR #11256
`ConcurrentRedisLockStore`, was reverted from OSS in PR #11428). bench/load_lock_race.py
measures the race on this machine.

This store keeps Rasa's ticket-lock algorithm and its stored format, and runs each
read-modify-write inside a Redis optimistic transaction (WATCH/MULTI/EXEC, retried when
another server touched the key in between). It also polls for its turn every 50 ms instead
of every second, so a shopper's second message does not wait a whole second for the first.

Used from bot/endpoints.prod.yml as `type: atomic_lock_store.AtomicRedisLockStore` (Rasa
imports it from its working directory, bot/). Runs in the Rasa environment (Python 3.10).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

T = TypeVar("T")

#: Seconds between two looks at the lock while another message of the conversation is served.
POLL_INTERVAL_SECONDS = 0.05


class AtomicRedisLockStore(RedisLockStore):
    """`RedisLockStore` with atomic ticket issue, release and expiry."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        options: dict[str, Any] = dict(endpoint_config.kwargs)
        options.pop("type", None)
        # Values from `${ENV}` substitution arrive as strings; an empty one means "not set".
        for name in ("password", "username", "key_prefix"):
            if options.get(name) == "":
                options.pop(name)
        super().__init__(host=endpoint_config.url or "localhost", **options)

    # --- one atomic read-modify-write of a conversation's lock --------------------------------
    def _change(self, conversation_id: str, change: Callable[[TicketLock], T]) -> T:
        """Apply `change` to the stored lock (a new one if none) atomically.

        WATCH also notices a key that another server creates or deletes in between, so the
        retry covers the first ticket of a conversation as well. A lock without tickets is
        deleted rather than stored, as Rasa's own `cleanup` does.
        """
        key = self.key_prefix + conversation_id
        outcome: list[T] = []

        def attempt(pipe: Any) -> None:
            outcome.clear()
            raw = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(raw)) if raw else self.create_lock(conversation_id)
            outcome.append(change(lock))
            lock.remove_expired_tickets()
            pipe.multi()
            if lock.tickets:
                pipe.set(key, lock.dumps())
            else:
                pipe.delete(key)

        self.red.transaction(attempt, key)
        return outcome[0]

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return self._change(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime))
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        """Drop expired tickets (`_change` does that on every write)."""
        self._change(conversation_id, lambda lock: None)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Give the ticket back; the lock disappears with its last ticket, in the same step."""
        self.finish_serving(conversation_id, ticket_number)

    def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = POLL_INTERVAL_SECONDS,
    ) -> AbstractAsyncContextManager[TicketLock]:
        return super().lock(conversation_id, lock_lifetime, wait_time_in_seconds)


__all__ = ["POLL_INTERVAL_SECONDS", "AtomicRedisLockStore"]
