"""EventBus contract, run against in-process queues and Redis pub/sub."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any, cast

import pytest
from zimage_common.errors import ServiceUnavailable
from zimage_common.events import (
    SUBSCRIBER_QUEUE_SIZE,
    EventBus,
    InProcessEventBus,
    RedisEventBus,
    event_bus_for,
)

from tests.support.servers import free_port

# Only a guard against a hung test; no assertion depends on timing.
WAIT = 10


async def next_event(events: AsyncIterator[dict[str, Any]]) -> dict[str, Any]:
    return await asyncio.wait_for(anext(events), WAIT)


@pytest.fixture(params=["in-process", "redis"])
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[EventBus]:
    if request.param == "redis":
        bus: EventBus = RedisEventBus(request.getfixturevalue("redis_url"), prefix=f"test:{uuid.uuid4().hex}:")
    else:
        bus = InProcessEventBus()
    try:
        yield bus
    finally:
        await bus.close()


@pytest.fixture
def channel() -> str:
    return f"task:{uuid.uuid4()}"


async def test_subscribe_then_publish_delivers_in_order(bus: EventBus, channel: str) -> None:
    async with bus.subscribe(channel) as events:
        for step in range(1, 9):
            await bus.publish(channel, {"type": "progress", "step": step, "steps": 8})
        await bus.publish(channel, {"type": "completed", "note": "완료"})
        received = [await next_event(events) for _ in range(9)]
    assert [e.get("step") for e in received[:8]] == list(range(1, 9))
    assert received[8] == {"type": "completed", "note": "완료"}


async def test_every_subscriber_gets_every_event(bus: EventBus, channel: str) -> None:
    async with bus.subscribe(channel) as first, bus.subscribe(channel) as second:
        await bus.publish(channel, {"n": 1})
        await bus.publish(channel, {"n": 2})
        assert [await next_event(first), await next_event(first)] == [{"n": 1}, {"n": 2}]
        assert [await next_event(second), await next_event(second)] == [{"n": 1}, {"n": 2}]


async def test_channels_are_isolated(bus: EventBus) -> None:
    mine, theirs = f"task:{uuid.uuid4()}", f"task:{uuid.uuid4()}"
    async with bus.subscribe(mine) as events:
        await bus.publish(theirs, {"for": "theirs"})
        await bus.publish(mine, {"for": "mine"})
        # Were channels shared, the earlier event for `theirs` would arrive first.
        assert await next_event(events) == {"for": "mine"}


async def test_leaving_the_context_unsubscribes(bus: EventBus, channel: str) -> None:
    assert await bus.subscriber_count(channel) == 0
    async with bus.subscribe(channel) as events:
        assert await bus.subscriber_count(channel) == 1
        async with bus.subscribe(channel):
            assert await bus.subscriber_count(channel) == 2
        assert await bus.subscriber_count(channel) == 1
        await bus.publish(channel, {"still": "here"})
        assert await next_event(events) == {"still": "here"}
    assert await bus.subscriber_count(channel) == 0
    await bus.publish(channel, {"nobody": "listens"})  # publishing to no one is fine


async def test_subscriber_gets_its_own_copy(bus: EventBus, channel: str) -> None:
    event = {"images": [{"id": 1}]}
    async with bus.subscribe(channel) as first, bus.subscribe(channel) as second:
        await bus.publish(channel, event)
        got = await next_event(first)
        got["images"].append({"id": 2})
        assert await next_event(second) == {"images": [{"id": 1}]}
    assert event == {"images": [{"id": 1}]}


async def test_events_must_be_json_objects(bus: EventBus, channel: str) -> None:
    with pytest.raises(TypeError):
        await bus.publish(channel, {"when": object()})
    with pytest.raises(TypeError):
        await bus.publish(channel, cast(Any, ["not", "a", "dict"]))
    with pytest.raises(ValueError):
        await bus.publish("", {"x": 1})


async def test_ping(bus: EventBus) -> None:
    await bus.ping()


# --- adapter specifics ----------------------------------------------------------------------------


async def test_in_process_slow_subscriber_loses_oldest_events_not_the_publisher() -> None:
    bus = InProcessEventBus()
    async with bus.subscribe("slow") as events:
        for n in range(SUBSCRIBER_QUEUE_SIZE + 5):
            await bus.publish("slow", {"n": n})
        assert await next_event(events) == {"n": 5}
        await bus.publish("slow", {"n": "latest"})
        received = [await next_event(events) for _ in range(SUBSCRIBER_QUEUE_SIZE)]
    assert received[-2] == {"n": SUBSCRIBER_QUEUE_SIZE + 4}
    assert received[-1] == {"n": "latest"}


async def test_in_process_close_ends_subscriptions() -> None:
    bus = InProcessEventBus()
    async with bus.subscribe("ch") as events:
        await bus.publish("ch", {"n": 1})
        await bus.close()
        assert [e async for e in events] == [{"n": 1}]


async def test_redis_uses_the_prefix(redis_url: str, channel: str) -> None:
    import redis.asyncio as aioredis

    bus = RedisEventBus(redis_url, prefix="zimage-test:events:")
    raw = aioredis.Redis.from_url(redis_url)
    try:
        async with bus.subscribe(channel):
            counts = await raw.pubsub_numsub(f"zimage-test:events:{channel}", channel)
        assert dict(counts) == {f"zimage-test:events:{channel}".encode(): 1, channel.encode(): 0}
    finally:
        await raw.aclose()
        await bus.close()


async def test_redis_down_is_service_unavailable() -> None:
    bus = RedisEventBus(f"redis://127.0.0.1:{free_port()}/0")
    try:
        with pytest.raises(ServiceUnavailable) as caught:
            await bus.publish("ch", {"n": 1})
        assert caught.value.status_code == 503
        assert "event bus unavailable" in caught.value.detail
        with pytest.raises(ServiceUnavailable):
            await bus.ping()
        with pytest.raises(ServiceUnavailable):
            async with bus.subscribe("ch"):
                pass
    finally:
        await bus.close()


async def test_factory(redis_url: str) -> None:
    assert isinstance(event_bus_for(None), InProcessEventBus)
    assert isinstance(event_bus_for(""), InProcessEventBus)
    bus = event_bus_for(redis_url)
    try:
        assert isinstance(bus, RedisEventBus)
        await bus.ping()
    finally:
        await bus.close()
