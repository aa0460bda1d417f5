"""The heavy services the shopping actions use, loaded once per action-server process.

Product search (index + embedding model), the policy knowledge base and the recommender take
seconds to load, so each is loaded lazily on first use, kept for the life of the process, and
shared by all conversations. A service that cannot be loaded (no index built yet, no trained
recommender) is reported as missing and the actions degrade politely ("search isn't available
right now") instead of failing; loading is retried after `RETRY_SECONDS`, so building the index
while the server runs is picked up without a restart. Likewise a newer build on disk (a catalog
import rebuilds the search index; a retrain writes a new recommender version) is noticed within
`RECHECK_SECONDS` and loaded in the background while the old one keeps serving.

Tests install services built over their own small database with `install(...)`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from actions.context import shop_engine

log = logging.getLogger(__name__)

T = TypeVar("T")

#: After a failed load, wait this long before trying again.
RETRY_SECONDS = 60.0
#: How often a loaded service asks whether a newer build is on disk.
RECHECK_SECONDS = 30.0


class LazyService(Generic[T]):
    """A value loaded on first use by `loader`; None (and a logged reason) while it cannot be.

    `version` names the build on disk (None when there is none); when it changes, the value is
    reloaded in a background thread and swapped in once loaded.
    """

    def __init__(
        self,
        name: str,
        loader: Callable[[], T],
        version: Callable[[], object] | None = None,
        recheck_seconds: float = RECHECK_SECONDS,
    ) -> None:
        self.name = name
        self._loader = loader
        self._version = version
        self._recheck_seconds = recheck_seconds
        self._value: T | None = None
        self._loaded_version: object = None
        self._checked_at = 0.0
        self._pinned = False
        self._reloading = False
        self._failed_at: float | None = None
        self._lock = threading.Lock()

    def get(self) -> T | None:
        if self._value is not None:
            self._reload_if_stale()
            return self._value
        with self._lock:
            if self._value is not None:
                return self._value
            if self._failed_at is not None and time.monotonic() - self._failed_at < RETRY_SECONDS:
                return None
            try:
                self._value, self._loaded_version = self._load()
            except Exception as error:  # noqa: BLE001 - any failure means "not available", logged
                self._failed_at = time.monotonic()
                log.warning("%s is not available: %s", self.name, error)
            return self._value

    def set(self, value: T | None) -> None:
        """Use `value` from now on, never replaced by a build on disk (tests, benchmarks)."""
        with self._lock:
            self._value = value
            self._pinned = value is not None
            self._failed_at = None if value is not None else time.monotonic()

    def _load(self) -> tuple[T, object]:
        started = time.perf_counter()
        # Read the version first: a build landing during the load is then seen as newer next time.
        version = self._current_version()
        value = self._loader()
        log.info("%s loaded in %.1f s (build %s)", self.name, time.perf_counter() - started, version)
        return value, version

    def _current_version(self) -> object:
        if self._version is None:
            return None
        try:
            return self._version()
        except Exception:  # noqa: BLE001 - an unreadable build marker: keep what is loaded
            return self._loaded_version

    def _reload_if_stale(self) -> None:
        if self._version is None or self._pinned or self._reloading:
            return
        now = time.monotonic()
        if now - self._checked_at < self._recheck_seconds:
            return
        with self._lock:
            if self._reloading or now - self._checked_at < self._recheck_seconds:
                return
            self._checked_at = now
            current = self._current_version()
            if current is None or current == self._loaded_version:
                return
            self._reloading = True
        threading.Thread(target=self._reload, name=f"reload {self.name}", daemon=True).start()

    def _reload(self) -> None:
        try:
            value, version = self._load()
        except Exception as error:  # noqa: BLE001 - keep serving the old build, try again later
            log.warning("%s: a newer build could not be loaded, keeping the old one: %s", self.name, error)
            value = None
        with self._lock:
            if value is not None and not self._pinned:
                self._value, self._loaded_version = value, version
            self._reloading = False


def _load_search():  # type: ignore[no-untyped-def]
    from search.engine import ProductSearch

    return ProductSearch.load()


def _load_policies():  # type: ignore[no-untyped-def]
    from search.policies import PolicyKnowledgeBase

    return PolicyKnowledgeBase.load()


def _load_recommender():  # type: ignore[no-untyped-def]
    from recommender.serving import Recommender

    return Recommender.load(engine=shop_engine())


def _search_build() -> object:
    from search.index import build_id

    return build_id()


def _recommender_build() -> object:
    from recommender.artifact import current_artifact_path
    from shop.catalog import catalog_version

    # A new artifact, or a catalog import: reloading re-reads the catalog, and products new since
    # training are scored from their metadata (issue 15).
    path = current_artifact_path()
    return None if path is None else (path, catalog_version(shop_engine()))


product_search = LazyService("product search", _load_search, version=_search_build)
policy_knowledge_base = LazyService("policy knowledge base", _load_policies)
recommender = LazyService("recommender", _load_recommender, version=_recommender_build)


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
