"""Broker faults against real processes: Redis `kill -9` with tasks queued, and Redis down at submit
(RELIABILITY.md P1 and P6; the test plan's "Redis restart" and "Redis down at submit" rows).

One stack for the module on a private redis-server (AOF `everysec`) that the tests kill and restart
on the same port and folder; PostgreSQL stays up. No step delay: a tiny-engine task at 256² takes a
fraction of a second.

Sizes as the plan gives them: 200 tasks queued across the Redis restart; 20 submits spread over a 60 s
outage."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.reliability.helpers import (
    Api,
    expected_objects,
    object_files,
    outbox_state,
    queue_counts,
    wait_until,
    wait_worker_ready,
    worker_frozen,
)
from tests.support.redis_server import RedisServer
from tests.support.stack import Stack

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

QUEUED_TASKS = 200
OUTAGE_SUBMITS = 20
OUTAGE_SECONDS = 60.0
STACK_ENV = {"IMAGE_MAX_ACTIVE_TASKS": str(QUEUED_TASKS + 10)}


def burst(api: Api, size: int = 8) -> list[int]:
    """`size` concurrent authenticated reads: each service's Redis pools grow to several connections."""

    def one(_: int) -> int:
        with httpx.Client(timeout=20) as client:
            return client.get(f"{api.stack.api}/tasks", headers=api.headers, params={"limit": 1}).status_code

    with ThreadPoolExecutor(size) as pool:
        return list(pool.map(one, range(size)))


def test_redis_kill_9_with_tasks_queued(stack: Stack, api: Api, broker: RedisServer, module_pg: str) -> None:
    """Plan: 200 tasks queued, `kill -9` Redis, restart it → 200/200 terminal (here: completed)."""
    wait_worker_ready(stack)
    assert burst(api) == [200] * 8
    with worker_frozen(stack):  # SIGSTOP: the queue fills while nobody consumes it
        ids = api.submit_many([f"queued across a Redis restart {i}" for i in range(QUEUED_TASKS)])
        wait_until(
            lambda: all(outbox_state(module_pg, ids).get(i, (0, 0))[0] >= 1 for i in ids),
            30,
            "the relay to publish every task",
        )
        before = queue_counts(broker.client())
        broker.kill()  # no fsync grace: whatever AOF had not written yet is gone, as in a crash
        time.sleep(1.0)
        broker.start()
        after = queue_counts(broker.client())
        print(f"queue (waiting, unacked) before kill -9: {before}, after restart: {after}")
        assert after[0] <= before[0]

    final = api.wait_all_terminal(module_pg, ids, 300)
    statuses = sorted(t["status"] for t in final.values())
    assert statuses == ["completed"] * QUEUED_TASKS, statuses
    for task in final.values():
        assert len(task["images"]) == 1
        assert object_files(stack, task["id"]) == expected_objects(1)

    # Redis has been back for a while: pooled connections it dropped are reopened, not answered with 503
    for _ in range(3):
        assert burst(api) == [200] * 8


def test_redis_down_at_submit(stack: Stack, api: Api, broker: RedisServer) -> None:
    """Plan: stop Redis, submit 20, restart it after 60 s → no 500s and no hangs; every accepted task terminal."""
    wait_worker_ready(stack)
    answers: list[httpx.Response] = []
    reads: list[httpx.Response] = []
    body = {"prompt": "submitted while Redis is down", "width": 256, "height": 256}
    broker.kill()
    try:
        started = time.monotonic()
        for k in range(OUTAGE_SUBMITS):
            time.sleep(max(0.0, started + k * OUTAGE_SECONDS / OUTAGE_SUBMITS - time.monotonic()))
            try:
                answers.append(api.client.post(f"{api.stack.api}/generate", headers=api.headers, json=body))
                reads.append(api.client.get(f"{api.stack.api}/tasks", headers=api.headers))
            except httpx.TimeoutException as exc:
                pytest.fail(f"the API hung with Redis down: {exc!r}")
        time.sleep(max(0.0, started + OUTAGE_SECONDS - time.monotonic()))
        outage = time.monotonic() - started
    finally:
        broker.start()

    codes = [r.status_code for r in answers + reads]
    print(f"answers during a {outage:.0f} s Redis outage: {codes}")
    for r in answers + reads:
        assert r.status_code in (200, 202, 503) or 400 <= r.status_code < 500, (r.status_code, r.text)
        if r.status_code >= 400:
            problem = r.json()
            assert set(problem) >= {"error", "detail"} and problem["detail"], problem
    accepted = [r.json()["id"] for r in answers if r.status_code == 202]

    # once Redis is back, whatever was accepted ends, and new work flows again
    def submit_again() -> str | None:
        r = api.client.post(f"{api.stack.api}/generate", headers=api.headers, json=body)
        assert r.status_code in (202, 503), (r.status_code, r.text)
        return str(r.json()["id"]) if r.status_code == 202 else None

    later = wait_until(submit_again, 60, "a submit to be accepted again", interval=1.0)
    final = api.wait_terminal([*accepted, later], 180)
    assert all(t["status"] == "completed" for t in final.values()), final
