"""Rate limits on the `limits` library: memory in the embedded mode, Redis when REDIS_URL is set."""

from __future__ import annotations

import bisect
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.storage.memory import Entry
from limits.aio.strategies import MovingWindowRateLimiter

from zimage_common.errors import ServiceUnavailable, TooManyRequests, Unauthorized
from zimage_common.tokens import SESSION_ENDED, Principal, RedisRevocations, Revocations

if TYPE_CHECKING:
    from redis.asyncio import Redis

SWEEP_SECONDS = 60.0

# `RateLimiter.admit` in Redis: every step in one script. A window step is limits' acquire_moving_window.lua
# for one entry, on limits' own key, so `hit` and `admit` count in the same windows.
# ARGV: now, then per step either "window", limit, expiry (one key) or "revoked", n (n keys).
# Answers {} when admitted; {step, the full window's oldest entry} or {step} (revoked) when refused.
ADMIT_SCRIPT = """
local now = tonumber(ARGV[1])
local key, arg, step = 1, 2, 0
while arg <= #ARGV do
    step = step + 1
    if ARGV[arg] == 'window' then
        local limit, expiry = tonumber(ARGV[arg + 1]), tonumber(ARGV[arg + 2])
        local oldest = redis.call('lindex', KEYS[key], limit - 1)
        if oldest and tonumber(oldest) >= now - expiry then
            return {step, oldest}
        end
        redis.call('lpush', KEYS[key], ARGV[1])
        redis.call('ltrim', KEYS[key], 0, limit - 1)
        redis.call('expire', KEYS[key], expiry)
        key, arg = key + 1, arg + 3
    else
        local count = tonumber(ARGV[arg + 1])
        if redis.call('exists', unpack(KEYS, key, key + count - 1)) > 0 then
            return {step}
        end
        key, arg = key + count, arg + 2
    end
end
return {}
"""


class MemoryWindows(MemoryStorage):
    """limits' in-process moving windows, without the expiry pass it starts after every hit.

    That pass hops to a worker thread once for every key held (about 25 µs of CPU each: 1.5 ms a request
    with 60 signed-in users). Here the key being hit drops its expired entries on the spot, and a sweep at
    most every SWEEP_SECONDS forgets keys whose entries have all expired.
    """

    def __init__(self) -> None:
        super().__init__()
        self.next_sweep = time.monotonic() + SWEEP_SECONDS

    async def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        # Nothing here awaits, so no other hit on the event loop interleaves: no lock needed.
        if amount > limit:
            return False
        self.sweep()
        now = time.time()
        events = self.events.setdefault(key, [])  # newest first, as limits keeps them
        del events[bisect.bisect_left(events, -now, key=lambda entry: -entry.expiry) :]
        if len(events) > limit - amount and events[limit - amount].atime >= now - expiry:
            return False
        events[:0] = [Entry(expiry)] * amount
        return True

    def sweep(self) -> None:
        if time.monotonic() < self.next_sweep:
            return
        self.next_sweep = time.monotonic() + SWEEP_SECONDS
        now = time.time()
        for key in [key for key, events in self.events.items() if not events or events[0].expiry <= now]:
            del self.events[key]
            self.locks.pop(key, None)


@dataclass(frozen=True)
class Budget:
    """A moving window one request counts in, and what its 429 says."""

    item: RateLimitItem
    key: str
    message: str


@dataclass(frozen=True)
class NotRevoked:
    """The principal's session and user must not be revoked (401 otherwise)."""

    revocations: Revocations
    principal: Principal


@contextmanager
def store_errors() -> Iterator[None]:
    """An unreachable store answers 503, never 500."""
    try:
        yield
    except (ConnectionError, TimeoutError, OSError) as exc:
        raise ServiceUnavailable("rate-limit store is unavailable; try again shortly") from exc
    except Exception as exc:
        if type(exc).__module__.startswith("redis"):
            raise ServiceUnavailable("rate-limit store (Redis) is unavailable; try again shortly") from exc
        raise


class RateLimiter:
    def __init__(self, redis_url: str | None, *, namespace: str) -> None:
        self.storage: Storage = MemoryWindows()
        self.redis: Redis | None = None
        self.redis_url = redis_url
        if redis_url:
            import redis.asyncio as aioredis
            from redis.exceptions import ConnectionError as RedisConnectionError

            # one pool for limits' commands and the admission script
            self.redis = aioredis.from_url(
                redis_url,
                socket_timeout=2,
                socket_connect_timeout=2,
                # a pooled connection Redis dropped (a restart) is reopened once instead of answering 503
                retry_on_error=[RedisConnectionError],
            )
            self.storage = RedisStorage(
                f"async+{redis_url}",
                implementation="redispy",
                connection_pool=self.redis.connection_pool,  # type: ignore[arg-type]
            )
            self.admit_script = self.redis.register_script(ADMIT_SCRIPT)
        self.namespace = namespace
        self.strategy = MovingWindowRateLimiter(self.storage)

    @staticmethod
    def item(spec: str) -> RateLimitItem:
        return parse(spec)

    async def _guard(self, op: str, item: RateLimitItem, key: str) -> bool:
        with store_errors():
            if op == "hit":
                return await self.strategy.hit(item, self.namespace, key)
            return await self.strategy.test(item, self.namespace, key)

    async def retry_after(self, item: RateLimitItem, key: str) -> int:
        with store_errors():
            stats = await self.strategy.get_window_stats(item, self.namespace, key)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def hit(self, item: RateLimitItem, key: str, message: str) -> None:
        """Count one event; raise 429 with Retry-After once the window is full."""
        if not await self._guard("hit", item, key):
            raise TooManyRequests(message, retry_after=await self.retry_after(item, key))

    async def check(self, item: RateLimitItem, key: str, message: str) -> None:
        """Refuse if the window is already full, without counting."""
        if not await self._guard("test", item, key):
            raise TooManyRequests(message, retry_after=await self.retry_after(item, key))

    async def admit(self, *steps: Budget | NotRevoked) -> None:
        """Each step in order, stopping at the first refusal: a full window answers 429 with Retry-After
        (the windows after it are not counted), a revoked session 401.

        In Redis (with revocations in the same Redis) it is one script, one round trip however many steps.
        """
        if self.redis is None or any(
            isinstance(step, NotRevoked)
            and not (isinstance(step.revocations, RedisRevocations) and step.revocations.url == self.redis_url)
            for step in steps
        ):  # the script can only read revocations kept in the limiter's own Redis
            for step in steps:
                if isinstance(step, Budget):
                    await self.hit(step.item, step.key, step.message)
                elif await step.revocations.is_revoked(step.principal.session_id, step.principal.user_id):
                    raise Unauthorized(SESSION_ENDED)
            return
        keys: list[str] = []
        args: list[Any] = [time.time()]
        for step in steps:
            if isinstance(step, Budget):
                keys.append(f"{RedisStorage.PREFIX}:{step.item.key_for(self.namespace, step.key)}")
                args += ["window", step.item.amount, step.item.get_expiry()]
            else:
                assert isinstance(step.revocations, RedisRevocations)
                revoked = step.revocations.keys_for(step.principal.session_id, step.principal.user_id)
                keys += revoked
                args += ["revoked", len(revoked)]
        with store_errors():
            refused = await self.admit_script(keys=keys, args=args)
        if not refused:
            return
        step = steps[int(refused[0]) - 1]
        if isinstance(step, NotRevoked):
            raise Unauthorized(SESSION_ENDED)
        reset = float(refused[1]) + step.item.get_expiry()
        raise TooManyRequests(step.message, retry_after=max(1, math.ceil(reset - time.time())))

    async def reset(self) -> None:
        await self.storage.reset()
