"""The sweeper: queue messages are hints, the task row is the truth; lost and abandoned work is published again."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

LEASE_SECONDS = 0.5


@pytest.fixture(scope="module")
def image_overrides() -> dict[str, Any]:
    return {
        "relay_interval_seconds": 0.05,
        "sweep_interval_seconds": 0.1,
        "republish_after_seconds": 0.5,
        "lease_seconds": LEASE_SECONDS,
        "max_attempts": 2,
    }


async def test_a_lost_message_is_published_again(image: Any) -> None:
    user = await image.user()
    task = await image.submit(user)
    await image.wait_published(task["id"])

    image.queue.clear()  # the broker lost it

    await image.wait_published(task["id"])
    assert (await image.task(user, task["id"]))["status"] == "pending"
    claim = await image.claimed(task["id"])
    assert claim["attempt"] == 1


async def test_an_abandoned_claim_is_published_again_and_taken_over(image: Any) -> None:
    user = await image.user()
    task = await image.submit(user)
    await image.wait_published(task["id"])
    first = await image.claimed(task["id"], "crashed-worker")
    mark = image.queue.mark()

    # no heartbeats: the worker died holding the task
    await image.wait_published(task["id"], since=mark)

    second = await image.claimed(task["id"], "healthy-worker")
    assert second["attempt"] == first["attempt"] + 1
    assert (await image.heartbeat(task["id"], first["attempt"], step=1, total=8)).status_code == 409


async def test_a_live_worker_keeps_its_task(image: Any) -> None:
    """Heartbeats keep the lease: the sweeper does not hand a running task to anyone else."""
    user = await image.user()
    task = await image.submit(user)
    claim = await image.claimed(task["id"])
    mark = image.queue.mark()
    # Long enough for several sweeps and for the lease to have expired many times over without heartbeats.
    end = time.monotonic() + 6 * LEASE_SECONDS
    step = 0
    while time.monotonic() < end:
        step += 1
        beat = await image.heartbeat(task["id"], claim["attempt"], step=min(step, 8), total=8)
        assert beat.status_code == 200, beat.text
        await asyncio.sleep(LEASE_SECONDS / 5)
    running = await image.task(user, task["id"])
    assert running["status"] == "processing" and running["attempts"] == 1
    assert task["id"] not in image.queue.since(mark)


async def test_a_task_whose_workers_keep_dying_is_failed_by_the_sweeper(image: Any) -> None:
    user = await image.user()
    task = await image.submit(user)
    await image.claimed(task["id"], "crash-1")
    mark = image.queue.mark()
    await image.wait_published(task["id"], since=mark)
    await image.claimed(task["id"], "crash-2")  # the last of max_attempts=2

    failed = await image.wait_status(user, task["id"], "failed")

    assert failed["attempts"] == 2
    assert "2 times" in failed["error"]
    final = await image.claim(task["id"])
    assert final.status_code == 409 and "retry-after" not in final.headers


async def test_finished_tasks_are_not_republished(image: Any) -> None:
    user = await image.user()
    done, dropped = await image.submit(user), await image.submit(user)
    # the relay's first publication of each comes from the outbox and may lag the submit under load;
    # only publications after both are finished count as republishing
    await image.wait_published(done["id"])
    await image.wait_published(dropped["id"])
    await image.run_to_completion(done["id"])
    assert (await image.cancel(user, dropped["id"])).status_code == 200
    mark = image.queue.mark()
    # a later task republished by the sweeper proves sweeps ran after both finished
    marker = await image.submit(user)
    await image.wait_published(marker["id"], times=2, since=mark)
    assert done["id"] not in image.queue.since(mark)
    assert dropped["id"] not in image.queue.since(mark)


async def test_a_backlog_in_the_queue_is_not_mistaken_for_lost_messages(image: Any) -> None:
    user = await image.user()
    waiting = await image.submit(user)
    await image.wait_published(waiting["id"], times=1)
    mark = image.queue.mark()
    image.queue.waiting = 10_000  # the broker holds more messages than there are pending tasks
    try:
        control = await image.submit(user)
        await image.wait_published(control["id"], times=1, since=mark)
        await asyncio.sleep(1.5)  # many sweeps (0.1 s) past republish_after (0.5 s)
        assert waiting["id"] not in image.queue.since(mark)
        image.queue.waiting = None  # the broker cannot tell any more: stale tasks go out again
        await image.wait_published(waiting["id"], times=1, since=mark)
    finally:
        image.queue.waiting = None
