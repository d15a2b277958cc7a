"""The queue's Redis down while everything else is up: submits are accepted through the outbox and
run once the broker returns (RELIABILITY.md P1 and the outbox note; the "Redis down at submit" row),
and image-service killed between the commit of a task and its publication (the outbox crash).

With one Redis for everything (test_broker_faults.py) the gateway refuses every request with 503
while Redis is down, so the outbox path is never reached. Here the broker (CELERY_BROKER_URL) is a
private redis-server of its own and REDIS_URL (sessions, rate limits, progress events) another, so
only the queue goes away: 20 submits spread over a 60 s outage, as the plan gives them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.conftest import FAST_HEALING
from tests.reliability.helpers import (
    Api,
    expected_objects,
    image_row_count,
    kill_process_group,
    lines_since,
    object_files,
    outbox_state,
    pids_gone,
    service_process,
    wait_until,
    wait_worker_ready,
)
from tests.support.redis_server import RedisServer
from tests.support.stack import Stack

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

OUTAGE_SUBMITS = 20
OUTAGE_SECONDS = 60.0


@pytest.fixture(scope="module")
def shared_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis-shared")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, broker: RedisServer, shared_redis: RedisServer, module_pg: str
) -> Iterator[Stack]:
    data_dir: Path = tmp_path_factory.mktemp("reliability-split") / "data"
    data_dir.mkdir()
    env = FAST_HEALING | {"DATABASE_URL": module_pg, "REDIS_URL": shared_redis.url, "CELERY_BROKER_URL": broker.url}
    s = Stack(data_dir, env).start()
    try:
        wait_worker_ready(s)
        yield s
    finally:
        if not broker.running:
            broker.start()
        s.stop()


def test_submits_wait_in_the_outbox_while_the_broker_is_down(
    stack: Stack, api: Api, broker: RedisServer, module_pg: str
) -> None:
    """Plan: stop the broker, submit 20, restart it after 60 s → no 500s (here: every submit 202); 20/20 terminal."""
    wait_worker_ready(stack)
    body = {"prompt": "submitted while the queue is down", "width": 256, "height": 256}
    broker.kill()
    accepted: list[str] = []
    try:
        started = time.monotonic()
        for k in range(OUTAGE_SUBMITS):
            time.sleep(max(0.0, started + k * OUTAGE_SECONDS / OUTAGE_SUBMITS - time.monotonic()))
            r = api.client.post(f"{stack.api}/generate", headers=api.headers, json=body)  # 20 s client deadline
            assert r.status_code == 202, (r.status_code, r.text)  # the database is up: the outbox takes it
            accepted.append(r.json()["id"])
        outbox = outbox_state(module_pg, accepted)
        assert all(outbox[i][0] == 0 and outbox[i][1] >= 1 for i in accepted), outbox  # waiting, none sent
        assert {(api.get(i) or {}).get("status") for i in accepted} == {"pending"}
        time.sleep(max(0.0, started + OUTAGE_SECONDS - time.monotonic()))
    finally:
        broker.start()

    final = api.wait_terminal(accepted, 180)
    for task in final.values():
        assert task["status"] == "completed", task
        assert object_files(stack, task["id"]) == expected_objects(1)
    assert all(sent >= 1 for sent, _ in outbox_state(module_pg, accepted).values())


def test_image_service_killed_between_commit_and_publish(
    stack: Stack, api: Api, broker: RedisServer, module_pg: str
) -> None:
    """Plan: a crash between the commit and the publish loses nothing. Tasks are committed with their outbox
    rows while the broker is away (so none can be published), image-service is `kill -9`ed with the rows
    unsent, the supervisor starts a fresh process, and its relay publishes them once the broker is back:
    every task completed exactly once."""
    wait_worker_ready(stack)
    mark = len(stack.lines)
    broker.kill()
    try:
        ids = [api.submit(f"committed, not yet published {i}", num_images=1 + i % 2)["id"] for i in range(4)]
        assert all(sent == 0 for sent, _ in outbox_state(module_pg, ids).values())
        victim = service_process(stack, "zimage_image.main")
        assert victim is not None
        kill_process_group(victim.pid)  # the process that committed them dies before publishing any
        wait_until(lambda: pids_gone([victim.pid]), 15, "image-service to be gone")
        wait_until(lambda: lines_since(stack, mark, "image exited with code -9"), 30, "the supervisor to notice")
        wait_until(
            lambda: (p := service_process(stack, "zimage_image.main")) is not None and p.pid != victim.pid,
            30,
            "a fresh image-service",
        )
        wait_until(lambda: api.get(ids[0]) is not None, 60, "the fresh image-service to answer")
        outbox = outbox_state(module_pg, ids)
        assert all(outbox[i][0] == 0 and outbox[i][1] >= 1 for i in ids), outbox  # still waiting, nothing sent
    finally:
        broker.start()

    final = api.wait_terminal(ids, 120)
    for task in final.values():
        assert task["status"] == "completed" and task["attempts"] == 1, task
        assert object_files(stack, task["id"]) == expected_objects(task["num_images"])
        assert image_row_count(module_pg, task["id"]) == task["num_images"]
