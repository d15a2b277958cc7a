"""Rate limits on the `limits` library: memory in the embedded mode, Redis when REDIS_URL is set."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from zimage_common.errors import ServiceUnavailable, TooManyRequests


class RateLimiter:
    def __init__(self, redis_url: str | None, *, namespace: str) -> None:
        self.storage: Storage = MemoryStorage()
        if redis_url:
            from redis.exceptions import ConnectionError as RedisConnectionError

            self.storage = RedisStorage(
                f"async+{redis_url}",
                implementation="redispy",
                socket_timeout=2,
                socket_connect_timeout=2,
                # a pooled connection Redis dropped (a restart) is reopened once instead of answering 503
                retry_on_error=[RedisConnectionError],  # type: ignore[arg-type]
            )
        self.namespace = namespace
        self.strategy = MovingWindowRateLimiter(self.storage)

    @staticmethod
    def item(spec: str) -> RateLimitItem:
        return parse(spec)

    async def _guard(self, op: str, item: RateLimitItem, key: str) -> bool:
        try:
            if op == "hit":
                return await self.strategy.hit(item, self.namespace, key)
            return await self.strategy.test(item, self.namespace, key)
        except (ConnectionError, TimeoutError, OSError) as exc:
            raise ServiceUnavailable("rate-limit store is unavailable; try again shortly") from exc
        except Exception as exc:
            if type(exc).__module__.startswith("redis"):
                raise ServiceUnavailable("rate-limit store (Redis) is unavailable; try again shortly") from exc
            raise

    async def retry_after(self, item: RateLimitItem, key: str) -> int:
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

    async def reset(self) -> None:
        await self.storage.reset()
