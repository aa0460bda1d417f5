"""Sliding-window rate limits: order lookups (enumeration), chat messages and logins.

Each sender, client address and order number may take part in
`get_settings().order_lookup_limit` order lookups within `order_lookup_window_seconds`
(`check_order_lookup`); the shop page limits chat messages and logins per client address
(`make_limiter`). The window slides (a log of hit times, not fixed buckets),
so bursts at a bucket boundary cannot double the allowance. Denied attempts are not
recorded, so a shopper who waits gets in again when the oldest hit leaves the window.

Two implementations with one interface:

* `InMemoryRateLimiter`: per process; right for the single-server profile.
* `RedisRateLimiter`: one sorted set per key, updated by an atomic Lua script, so several
  action servers share one limit. If Redis is unreachable it falls back to an in-process
  limiter (logged) instead of failing the shopper's request or letting everything through.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import redis

from shop.config import Settings, get_settings
from shop.refusals import Refusal, Refused

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    #: Hits left in the current window after this one.
    remaining: int
    #: Seconds until the next hit would be allowed (0 when allowed).
    retry_after: float


class RateLimiter(Protocol):
    limit: int
    window_seconds: float

    def hit(self, key: str) -> RateDecision:
        """Record one attempt for `key` if allowed, and say whether it was."""
        ...

    def reset(self, key: str) -> None:
        """Forget `key`'s attempts (e.g. after a shopper logs in)."""
        ...


class InMemoryRateLimiter:
    """A thread-safe sliding-window log per key, in this process's memory."""

    def __init__(
        self, limit: int, window_seconds: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if limit < 1 or window_seconds <= 0:
            raise ValueError("limit must be >= 1 and window_seconds > 0")
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._calls = 0

    def hit(self, key: str) -> RateDecision:
        now = self._clock()
        with self._lock:
            self._calls += 1
            if self._calls % 1024 == 0:
                self._sweep(now)
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window_seconds:
                hits.popleft()
            if len(hits) >= self.limit:
                return RateDecision(False, 0, max(hits[0] + self.window_seconds - now, 0.0))
            hits.append(now)
            return RateDecision(True, self.limit - len(hits), 0.0)

    def reset(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)

    def _sweep(self, now: float) -> None:
        # Senders that went quiet must not keep memory forever (enumeration uses many senders).
        stale = [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.window_seconds]
        for key in stale:
            del self._hits[key]


# KEYS[1] = the key's sorted set; ARGV = now, window, limit, unique member.
_SLIDING_WINDOW_LUA = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
  return {1, limit - count - 1, '0'}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, 0, tostring(tonumber(oldest[2]) + window - now)}
"""


class RedisRateLimiter:
    """The same sliding window, kept in Redis so every server shares it.

    Times come from `clock` (wall-clock seconds by default; servers are NTP-synchronised).
    """

    def __init__(
        self,
        client: redis.Redis,
        limit: int,
        window_seconds: float,
        *,
        prefix: str = "shopbot:ratelimit:",
        clock: Callable[[], float] = time.time,
    ) -> None:
        if limit < 1 or window_seconds <= 0:
            raise ValueError("limit must be >= 1 and window_seconds > 0")
        self.limit = limit
        self.window_seconds = window_seconds
        self.prefix = prefix
        self._client = client
        self._clock = clock
        self._script = client.register_script(_SLIDING_WINDOW_LUA)
        self._fallback = InMemoryRateLimiter(limit, window_seconds, clock=clock)

    @classmethod
    def from_url(cls, url: str, limit: int, window_seconds: float, **kwargs: object) -> RedisRateLimiter:
        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        return cls(client, limit, window_seconds, **kwargs)  # type: ignore[arg-type]

    def hit(self, key: str) -> RateDecision:
        now = self._clock()
        try:
            allowed, remaining, retry_after = self._script(
                keys=[self.prefix + key],
                args=[repr(now), repr(float(self.window_seconds)), self.limit, f"{now}:{uuid.uuid4().hex}"],
            )
        except redis.RedisError as error:
            log.warning("rate limiter: Redis unavailable (%s); limiting in this process only", error)
            return self._fallback.hit(key)
        return RateDecision(bool(allowed), int(remaining), max(float(retry_after), 0.0))

    def reset(self, key: str) -> None:
        self._fallback.reset(key)
        try:
            self._client.delete(self.prefix + key)
        except redis.RedisError as error:
            log.warning("rate limiter: Redis unavailable (%s); reset only in this process", error)


def make_limiter(
    limit: int, window_seconds: float, prefix: str, settings: Settings | None = None
) -> RateLimiter:
    """A limiter from settings (default: the process's): shared through Redis if `redis_url` is
    set, its keys under `rate_limit_namespace`, else in-process."""
    settings = settings or get_settings()
    if settings.redis_url:
        return RedisRateLimiter.from_url(
            settings.redis_url, limit, window_seconds, prefix=settings.rate_limit_namespace + prefix
        )
    return InMemoryRateLimiter(limit, window_seconds)


@lru_cache(maxsize=1)
def order_lookup_limiter() -> RateLimiter:
    """The process-wide limiter for order lookups, from settings (Redis if `redis_url` is set)."""
    settings = get_settings()
    return make_limiter(
        settings.order_lookup_limit, settings.order_lookup_window_seconds, "shopbot:order-lookup:"
    )


def order_lookup_keys(sender_id: str, client: str | None = None, order_number: object = None) -> list[str]:
    """The counters one order lookup counts against.

    The sender id is chosen by the client, so a fresh one must not reset anything (issue 18):
    every lookup also counts against the client's address (`client`, set by the REST channel,
    never by the client) and against the order number, whoever asks for it.
    """
    keys = [f"sender:{sender_id}"]
    if client:
        keys.append(f"client:{client}")
    if order_number is not None and str(order_number).strip():
        keys.append(f"order:{str(order_number).strip()[:32]}")
    return keys


def check_order_lookup(
    sender_id: str,
    limiter: RateLimiter | None = None,
    *,
    client: str | None = None,
    order_number: object = None,
) -> RateDecision:
    """Count one order lookup; `Refused(TOO_MANY_ATTEMPTS)` once any of its counters is full.

    Call it before every lookup by order number (status, cancel, address, return), with the
    client's address and the order number when known (`order_lookup_keys`).
    """
    limiter = limiter or order_lookup_limiter()
    decision = RateDecision(True, limiter.limit, 0.0)
    for key in order_lookup_keys(sender_id, client, order_number):
        decision = limiter.hit(key)
        if not decision.allowed:
            break
    if not decision.allowed:
        minutes = max(1, math.ceil(decision.retry_after / 60))
        raise Refused(
            Refusal.TOO_MANY_ATTEMPTS,
            f"That's a lot of order lookups in a short time. Please try again in {minutes} "
            f"minute{'s' if minutes != 1 else ''}, or ask for a human if you need help now.",
        )
    return decision
