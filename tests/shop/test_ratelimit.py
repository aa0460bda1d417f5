"""Order lookups are rate limited per sender, in memory and in Redis, with a sliding window."""

from __future__ import annotations

import os
import threading
import uuid

import pytest
import redis

from shop.ratelimit import (
    InMemoryRateLimiter,
    RedisRateLimiter,
    check_order_lookup,
)
from shop.refusals import Refusal, Refused

REDIS_URL = os.environ.get("SHOPBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class FakeClock:
    """A clock the test moves by hand (time itself, not our code, is what is faked)."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def redis_client():  # type: ignore[no-untyped-def]
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI but not reachable at {REDIS_URL}")
        pytest.skip("Redis not reachable (set SHOPBOT_TEST_REDIS_URL)")
    yield client
    client.close()


@pytest.fixture(params=["memory", "redis"])
def make_limiter(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Builds a limiter of each kind with a hand-moved clock; Redis keys are unique per test."""
    prefix = f"shopbot:test:{uuid.uuid4().hex}:"
    created: list[RedisRateLimiter] = []

    def build(limit: int, window: float, clock: FakeClock):  # type: ignore[no-untyped-def]
        if request.param == "memory":
            return InMemoryRateLimiter(limit, window, clock=clock)
        limiter = RedisRateLimiter(
            request.getfixturevalue("redis_client"), limit, window, prefix=prefix, clock=clock
        )
        created.append(limiter)
        return limiter

    yield build
    if created:
        client = request.getfixturevalue("redis_client")
        for key in client.scan_iter(prefix + "*"):
            client.delete(key)


def test_the_lookup_after_the_limit_is_blocked(make_limiter):
    limiter = make_limiter(5, 60, FakeClock())
    decisions = [limiter.hit("sender-a") for _ in range(6)]
    assert [d.allowed for d in decisions] == [True] * 5 + [False]
    assert [d.remaining for d in decisions[:5]] == [4, 3, 2, 1, 0]
    assert 0 < decisions[5].retry_after <= 60


def test_senders_are_limited_separately(make_limiter):
    limiter = make_limiter(2, 60, FakeClock())
    assert limiter.hit("a").allowed and limiter.hit("a").allowed
    assert not limiter.hit("a").allowed
    assert limiter.hit("b").allowed


def test_the_window_slides_rather_than_resetting_at_a_boundary(make_limiter):
    clock = FakeClock()
    limiter = make_limiter(3, 60, clock)
    limiter.hit("s")  # t=0
    clock.now += 30
    limiter.hit("s")  # t=30
    limiter.hit("s")  # t=30
    clock.now += 29  # t=59: all three still inside the window
    assert not limiter.hit("s").allowed
    clock.now += 1.5  # t=60.5: the first hit has left the window, one slot is free
    assert limiter.hit("s").allowed
    assert not limiter.hit("s").allowed
    denied = limiter.hit("s")
    assert denied.retry_after == pytest.approx(30 - 0.5, abs=0.01)


def test_denied_attempts_do_not_extend_the_block(make_limiter):
    clock = FakeClock()
    limiter = make_limiter(1, 10, clock)
    assert limiter.hit("s").allowed
    for _ in range(20):
        clock.now += 0.4
        assert not limiter.hit("s").allowed
    clock.now += 2.1  # 10.1 s after the only recorded hit
    assert limiter.hit("s").allowed


def test_reset_forgets_a_sender(make_limiter):
    limiter = make_limiter(1, 60, FakeClock())
    limiter.hit("s")
    assert not limiter.hit("s").allowed
    limiter.reset("s")
    assert limiter.hit("s").allowed


def test_two_servers_sharing_redis_share_one_limit(redis_client):
    prefix = f"shopbot:test:{uuid.uuid4().hex}:"
    server_a = RedisRateLimiter(redis_client, 4, 60, prefix=prefix)
    server_b = RedisRateLimiter(redis.Redis.from_url(REDIS_URL), 4, 60, prefix=prefix)
    results = [server.hit("s").allowed for _ in range(3) for server in (server_a, server_b)]
    assert results.count(True) == 4
    assert results[-2:] == [False, False]
    redis_client.delete(prefix + "s")


def test_concurrent_hits_never_exceed_the_limit(make_limiter):
    limiter = make_limiter(10, 60, FakeClock())
    allowed: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            decision = limiter.hit("burst")
            with lock:
                allowed.append(decision.allowed)

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 10


def test_redis_outage_falls_back_to_limiting_in_process():
    # Port 1 refuses connections: Redis is "down".
    limiter = RedisRateLimiter.from_url("redis://127.0.0.1:1/0", 2, 60)
    assert [limiter.hit("s").allowed for _ in range(3)] == [True, True, False]


def test_check_order_lookup_refuses_the_n_plus_first_lookup_with_a_polite_reason():
    limiter = InMemoryRateLimiter(3, 600, clock=FakeClock())
    for _ in range(3):
        check_order_lookup("sender", limiter)
    with pytest.raises(Refused) as refused:
        check_order_lookup("sender", limiter)
    assert refused.value.reason == Refusal.TOO_MANY_ATTEMPTS
    assert "10 minutes" in refused.value.explanation


def test_a_limiter_needs_a_positive_limit_and_window():
    with pytest.raises(ValueError):
        InMemoryRateLimiter(0, 60)
    with pytest.raises(ValueError):
        InMemoryRateLimiter(1, 0)


# --- issue 18: a fresh sender id resets nothing --------------------------------------------
def test_fresh_sender_ids_from_one_client_address_are_stopped_all_the_same():
    limiter = InMemoryRateLimiter(3, 600, clock=FakeClock())
    for number in (100001, 100002, 100003):
        check_order_lookup(f"sender-{number}", limiter, client="203.0.113.9", order_number=number)
    with pytest.raises(Refused) as refused:
        check_order_lookup("a-brand-new-sender", limiter, client="203.0.113.9", order_number=100004)
    assert refused.value.reason == Refusal.TOO_MANY_ATTEMPTS
    # Another client is not punished for it.
    check_order_lookup("someone-else", limiter, client="198.51.100.7", order_number=100004)


def test_one_order_number_asked_for_by_many_senders_and_addresses_is_stopped():
    limiter = InMemoryRateLimiter(3, 600, clock=FakeClock())
    for i in range(3):
        check_order_lookup(f"sender-{i}", limiter, client=f"203.0.113.{i}", order_number="100234")
    with pytest.raises(Refused):
        check_order_lookup("sender-9", limiter, client="203.0.113.99", order_number=" 100234 ")
