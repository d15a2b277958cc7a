"""Moving windows in memory (limits' answers without its work after every hit) and `admit`'s steps in one go."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from pathlib import Path

import pytest
from zimage_common.errors import ServiceUnavailable, TooManyRequests, Unauthorized
from zimage_common.ratelimit import Budget, MemoryWindows, NotRevoked, RateLimiter
from zimage_common.tokens import Principal, RedisRevocations, Revocations, SqliteRevocations


async def test_moving_window_in_memory() -> None:
    limiter = RateLimiter(None, namespace="test")
    item = RateLimiter.item("3/second")
    for _ in range(3):
        await limiter.hit(item, "ip:1", "slow down")
    with pytest.raises(TooManyRequests) as refused:
        await limiter.hit(item, "ip:1", "slow down")
    assert refused.value.headers == {"Retry-After": "1"}
    await limiter.hit(item, "ip:2", "slow down")  # another key has its own window
    await limiter.check(RateLimiter.item("4/second"), "ip:1", "slow down")  # `check` counts nothing
    with pytest.raises(TooManyRequests):
        await limiter.check(item, "ip:1", "slow down")
    await asyncio.sleep(1.05)
    await limiter.hit(item, "ip:1", "slow down")  # the window moved on


async def test_a_hit_leaves_no_work_behind() -> None:
    # limits' MemoryStorage starts a task after each hit that hops to a thread once for every key held.
    limiter = RateLimiter(None, namespace="test")
    item = RateLimiter.item("100/minute")
    for n in range(50):
        await limiter.hit(item, f"user:{n}", "slow down")
    threads = threading.active_count()
    before = asyncio.all_tasks()
    await limiter.hit(item, "user:0", "slow down")
    assert asyncio.all_tasks() == before
    await asyncio.sleep(0.05)
    assert threading.active_count() == threads


async def test_keys_left_idle_are_forgotten() -> None:
    limiter = RateLimiter(None, namespace="test")
    storage = limiter.storage
    assert isinstance(storage, MemoryWindows)
    item = RateLimiter.item("5/second")
    for n in range(20):
        await limiter.hit(item, f"ip:{n}", "slow down")
    await asyncio.sleep(1.05)
    storage.next_sweep = 0  # due now rather than in SWEEP_SECONDS
    await limiter.hit(item, "ip:fresh", "slow down")
    assert [key.split("/")[2] for key in storage.events] == ["ip:fresh"]


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[RateLimiter, Revocations]:
    """A limiter and the revocations it checks: in memory and SQLite, or both in the test Redis."""
    if request.param == "memory":
        return RateLimiter(None, namespace="test"), SqliteRevocations(tmp_path / "revocations.db")
    url = str(request.getfixturevalue("redis_url"))
    return RateLimiter(url, namespace="test"), RedisRevocations(url)


def principal(user_id: uuid.UUID) -> Principal:
    return Principal(user_id, "user", uuid.uuid4().hex, uuid.uuid4().hex, int(time.time()) + 300)


async def remaining(limiter: RateLimiter, budget: Budget) -> int:
    stats = await limiter.strategy.get_window_stats(budget.item, limiter.namespace, budget.key)
    return stats.remaining


async def test_admit_stops_at_the_first_refusal(store: tuple[RateLimiter, Revocations]) -> None:
    limiter, revocations = store
    address = Budget(RateLimiter.item("1/minute"), "ip:1", "address out of budget")
    user = Budget(RateLimiter.item("5/minute"), "user:1", "user out of budget")
    alice = principal(uuid.uuid4())
    await limiter.admit(address, NotRevoked(revocations, alice), user)
    assert (await remaining(limiter, address), await remaining(limiter, user)) == (0, 4)
    with pytest.raises(TooManyRequests, match="address out of budget") as refused:
        await limiter.admit(address, NotRevoked(revocations, alice), user)
    assert refused.value.headers["Retry-After"] in ("59", "60")
    assert await remaining(limiter, user) == 4  # the window after the full one was not counted

    other_address = Budget(RateLimiter.item("1/minute"), "ip:2", "address out of budget")
    await revocations.revoke_sessions([alice.session_id], ttl_seconds=60)
    with pytest.raises(Unauthorized, match="Session has ended"):
        await limiter.admit(other_address, NotRevoked(revocations, alice), user)
    assert (await remaining(limiter, other_address), await remaining(limiter, user)) == (0, 4)

    bob = principal(uuid.uuid4())
    await revocations.block_user(bob.user_id)
    with pytest.raises(Unauthorized, match="Session has ended"):
        await limiter.admit(NotRevoked(revocations, bob), user)
    await revocations.unblock_user(bob.user_id)
    await limiter.admit(NotRevoked(revocations, bob), user)
    assert await remaining(limiter, user) == 3
    await revocations.close()


async def test_admit_counts_in_the_windows_hit_counts_in(redis_url: str) -> None:
    limiter = RateLimiter(redis_url, namespace="test")
    budget = Budget(RateLimiter.item("3/minute"), "ip:1", "slow down")
    await limiter.hit(budget.item, budget.key, budget.message)
    await limiter.admit(budget)
    await limiter.hit(budget.item, budget.key, budget.message)
    with pytest.raises(TooManyRequests) as by_admit:
        await limiter.admit(budget)
    with pytest.raises(TooManyRequests) as by_hit:
        await limiter.hit(budget.item, budget.key, budget.message)
    # Retry-After from the script's answer is the one limits' own window stats give
    assert by_admit.value.headers == by_hit.value.headers
    assert by_admit.value.headers["Retry-After"] in ("59", "60")


async def test_admit_with_redis_unreachable_is_503() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    limiter = RateLimiter(f"redis://127.0.0.1:{port}/0", namespace="test")
    revocations = RedisRevocations(f"redis://127.0.0.1:{port}/0")
    budget = Budget(RateLimiter.item("3/minute"), "ip:1", "slow down")
    with pytest.raises(ServiceUnavailable):
        await limiter.admit(budget, NotRevoked(revocations, principal(uuid.uuid4())), budget)
    await revocations.close()


async def test_admit_reads_revocations_kept_in_another_redis(redis_url: str) -> None:
    """The one-script path only covers revocations in the limiter's own Redis; others are asked themselves."""
    base, _, db = redis_url.rpartition("/")
    other_url = f"{base}/{(int(db) + 1) % 16 if db.isdigit() else 1}"
    limiter = RateLimiter(redis_url, namespace="test")
    revocations = RedisRevocations(other_url)
    alice = principal(uuid.uuid4())
    await revocations.revoke_sessions([alice.session_id], ttl_seconds=60)
    try:
        with pytest.raises(Unauthorized, match="Session has ended"):
            await limiter.admit(NotRevoked(revocations, alice))
    finally:
        await revocations.redis.delete(*revocations.keys_for(alice.session_id, alice.user_id))
        await revocations.close()
