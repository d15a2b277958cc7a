"""Event bus port: in-process queues in the embedded mode, Redis pub/sub when REDIS_URL is set.

Events are fire-and-forget hints (progress, task state); the database stays the truth. A subscriber
that must not miss anything subscribes first, then reads its snapshot from the database, then
consumes: `subscribe()` returns only once the subscription is live.

    async with bus.subscribe(f"task:{task_id}") as events:
        snapshot = await load_task(task_id)
        async for event in events:
            ...
"""

from __future__ import annotations

import asyncio
import json
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import structlog

from zimage_common.errors import ServiceUnavailable

log = structlog.get_logger("zimage.events")

Event = dict[str, Any]
MAX_CHANNEL_LENGTH = 200
SUBSCRIBER_QUEUE_SIZE = 1000


def _encode(channel: str, event: Event) -> str:
    if not channel or len(channel) > MAX_CHANNEL_LENGTH:
        raise ValueError(f"event channel must be 1-{MAX_CHANNEL_LENGTH} characters")
    if not isinstance(event, dict):
        raise TypeError("an event is a JSON object (dict)")
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


class EventBus(ABC):
    @abstractmethod
    async def publish(self, channel: str, event: Event) -> None:
        """Deliver `event` (a JSON-serialisable dict) to the channel's current subscribers."""

    @abstractmethod
    def subscribe(self, channel: str) -> AbstractAsyncContextManager[AsyncIterator[Event]]:
        """Async context manager: live on entry, yields an async iterator of events, unsubscribes on exit."""

    @abstractmethod
    async def subscriber_count(self, channel: str) -> int:
        """How many subscriptions the channel has now (on Redis: across every process)."""

    @abstractmethod
    async def ping(self) -> None:
        """Raise ServiceUnavailable unless events can be published (for /ready)."""

    @abstractmethod
    async def close(self) -> None: ...


class _Closed:
    pass


_CLOSED = _Closed()


class _QueueSubscription:
    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[Event | _Closed] = asyncio.Queue(SUBSCRIBER_QUEUE_SIZE)

    def offer(self, item: Event | _Closed) -> None:
        # A slow subscriber loses its oldest events instead of blocking the publisher.
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(item)

    def __aiter__(self) -> _QueueSubscription:
        return self

    async def __anext__(self) -> Event:
        item = await self.queue.get()
        if isinstance(item, _Closed):
            self.queue.put_nowait(item)  # keep ending for anyone iterating again
            raise StopAsyncIteration
        return item


class InProcessEventBus(EventBus):
    """Fan-out to asyncio queues in this process (embedded mode: one process per service)."""

    def __init__(self) -> None:
        self._subscriptions: dict[str, set[_QueueSubscription]] = {}

    async def publish(self, channel: str, event: Event) -> None:
        payload = _encode(channel, event)
        for sub in list(self._subscriptions.get(channel, ())):
            # A fresh decoded copy per subscriber: same contract as Redis, no shared mutable dicts.
            item = json.loads(payload)
            if sub.loop is asyncio.get_running_loop():
                sub.offer(item)
            else:
                sub.loop.call_soon_threadsafe(sub.offer, item)

    @asynccontextmanager
    async def _subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[Event]]:
        _encode(channel, {})
        sub = _QueueSubscription()
        self._subscriptions.setdefault(channel, set()).add(sub)
        try:
            yield sub
        finally:
            subs = self._subscriptions.get(channel)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subscriptions[channel]

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[AsyncIterator[Event]]:
        return self._subscribe(channel)

    async def subscriber_count(self, channel: str) -> int:
        return len(self._subscriptions.get(channel, ()))

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        for subs in self._subscriptions.values():
            for sub in subs:
                if sub.loop is asyncio.get_running_loop():
                    sub.offer(_CLOSED)
                else:
                    sub.loop.call_soon_threadsafe(sub.offer, _CLOSED)
        self._subscriptions.clear()


class RedisEventBus(EventBus):
    """Redis pub/sub with JSON payloads; one Redis connection per live subscription.

    A dropped connection ends a subscription with ServiceUnavailable; resubscribing (and re-reading
    the snapshot) is the caller's job, e.g. an SSE client reconnecting.
    """

    # Wake an idle subscription this often so redis-py can PING and notice a dead connection.
    HEALTH_CHECK_INTERVAL = 15

    def __init__(self, url: str, prefix: str = "zimage:events:") -> None:
        from redis.asyncio import Redis

        self.prefix = prefix
        self._redis = Redis.from_url(
            url,
            socket_connect_timeout=2,
            socket_timeout=5,
            socket_keepalive=True,
            health_check_interval=self.HEALTH_CHECK_INTERVAL,
        )

    def _channel(self, channel: str) -> str:
        return f"{self.prefix}{channel}"

    async def publish(self, channel: str, event: Event) -> None:
        payload = _encode(channel, event)
        async with _unavailable_on_redis_error("publish"):
            await self._redis.publish(self._channel(channel), payload)

    @asynccontextmanager
    async def _subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[Event]]:
        _encode(channel, {})
        name = self._channel(channel)
        pubsub = self._redis.pubsub()
        try:
            async with _unavailable_on_redis_error("subscribe"):
                await pubsub.subscribe(name)
                # Live only once Redis confirms; a publish after this point reaches us.
                await self._confirmed(pubsub)
            yield self._messages(pubsub, channel)
        finally:
            try:
                await pubsub.unsubscribe()
            except Exception as exc:  # the connection may already be gone
                log.debug("unsubscribe_failed", channel=channel, error=repr(exc))
            await pubsub.aclose()

    @staticmethod
    async def _confirmed(pubsub: Any) -> None:
        deadline = asyncio.get_running_loop().time() + 5
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            message = await pubsub.get_message(timeout=left)
            if message is not None and message.get("type") == "subscribe":
                return
        raise ServiceUnavailable("event bus unavailable: Redis did not confirm the subscription")

    async def _messages(self, pubsub: Any, channel: str) -> AsyncIterator[Event]:
        while True:
            async with _unavailable_on_redis_error("receive"):
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=self.HEALTH_CHECK_INTERVAL)
            if message is None or message.get("type") != "message":
                continue
            try:
                event = json.loads(message["data"])
            except ValueError:
                log.warning("event_not_json", channel=channel)
                continue
            if isinstance(event, dict):
                yield event

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[AsyncIterator[Event]]:
        return self._subscribe(channel)

    async def subscriber_count(self, channel: str) -> int:
        async with _unavailable_on_redis_error("count subscribers"):
            counts = await self._redis.pubsub_numsub(self._channel(channel))
        return int(counts[0][1]) if counts else 0

    async def ping(self) -> None:
        async with _unavailable_on_redis_error("ping"):
            await self._redis.ping()

    async def close(self) -> None:
        await self._redis.aclose()


@asynccontextmanager
async def _unavailable_on_redis_error(action: str) -> AsyncIterator[None]:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    try:
        yield
    except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
        raise ServiceUnavailable(f"event bus unavailable ({action}): {exc}") from exc


def event_bus_for(redis_url: str | None) -> EventBus:
    """Redis pub/sub when REDIS_URL is set, else in-process queues."""
    return RedisEventBus(redis_url) if redis_url else InProcessEventBus()
