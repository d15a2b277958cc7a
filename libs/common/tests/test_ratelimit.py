"""In-process moving windows: the same answers as limits' own storage, without its work after every hit."""

from __future__ import annotations

import asyncio
import threading

import pytest
from zimage_common.errors import TooManyRequests
from zimage_common.ratelimit import MemoryWindows, RateLimiter


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
