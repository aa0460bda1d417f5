"""The heavy services the shopping actions use, loaded once per action-server process.

Product search (index + embedding model), the policy knowledge base and the recommender take
seconds to load, so each is loaded lazily on first use, kept for the life of the process, and
shared by all conversations. A service that cannot be loaded (no index built yet, no trained
recommender) is reported as missing and the actions degrade politely ("search isn't available
right now") instead of failing; loading is retried after `RETRY_SECONDS`, so building the index
while the server runs is picked up without a restart.

Tests install services built over their own small database with `install(...)`.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from actions.context import shop_engine

log = logging.getLogger(__name__)

T = TypeVar("T")

#: After a failed load, wait this long before trying again.
RETRY_SECONDS = 60.0


class LazyService(Generic[T]):
    """A value loaded on first use by `loader`; None (and a logged reason) while it cannot be."""

    def __init__(self, name: str, loader: Callable[[], T]) -> None:
        self.name = name
        self._loader = loader
        self._value: T | None = None
        self._failed_at: float | None = None
        self._lock = threading.Lock()

    def get(self) -> T | None:
        if self._value is not None:
            return self._value
        with self._lock:
            if self._value is not None:
                return self._value
            if self._failed_at is not None and time.monotonic() - self._failed_at < RETRY_SECONDS:
                return None
            try:
                started = time.perf_counter()
                self._value = self._loader()
                log.info("%s loaded in %.1f s", self.name, time.perf_counter() - started)
            except Exception as error:  # noqa: BLE001 - any failure means "not available", logged
                self._failed_at = time.monotonic()
                log.warning("%s is not available: %s", self.name, error)
            return self._value

    def set(self, value: T | None) -> None:
        with self._lock:
            self._value = value
            self._failed_at = None if value is not None else time.monotonic()


def _load_search():  # type: ignore[no-untyped-def]
    from search.engine import ProductSearch

    return ProductSearch.load()


def _load_policies():  # type: ignore[no-untyped-def]
    from search.policies import PolicyKnowledgeBase

    return PolicyKnowledgeBase.load()


def _load_recommender():  # type: ignore[no-untyped-def]
    from recommender.serving import Recommender

    return Recommender.load(engine=shop_engine())


product_search = LazyService("product search", _load_search)
policy_knowledge_base = LazyService("policy knowledge base", _load_policies)
recommender = LazyService("recommender", _load_recommender)


def install(*, search=None, policies=None, recommender_=None) -> None:  # type: ignore[no-untyped-def]
    """Use these instances (tests, benchmarks) instead of loading from `SHOPBOT_MODEL_DIR`."""
    if search is not None:
        product_search.set(search)
    if policies is not None:
        policy_knowledge_base.set(policies)
    if recommender_ is not None:
        recommender.set(recommender_)


def warm_up() -> None:
    """Load everything now (in the background at server start), so the first shopper doesn't wait."""
    for service in (product_search, policy_knowledge_base, recommender):
        service.get()


def _running_as_action_server() -> bool:
    return "rasa_sdk" in (sys.argv[0] if sys.argv else "")


if _running_as_action_server() and os.environ.get("SHOPBOT_ACTIONS_WARMUP", "1") != "0":
    # Only in `python -m rasa_sdk --actions actions`; importing the package in tests loads nothing.
    threading.Thread(target=warm_up, name="actions-warm-up", daemon=True).start()
