"""Canceling: a pending task never runs; a running one stops at the worker's next heartbeat and stores nothing."""

from __future__ import annotations

from typing import Any


async def test_cancel_pending_is_immediate_and_never_claimable(image: Any) -> None:
    user = await image.user()
    task = await image.submit(user)

    resp = await image.cancel(user, task["id"])

    assert resp.status_code == 200, resp.text
    canceled = resp.json()
    assert canceled["status"] == "canceled"
    assert canceled["finished_at"] is not None
    assert canceled["images"] == []
    assert (await image.task(user, task["id"]))["status"] == "canceled"

    claim = await image.claim(task["id"])
    assert claim.status_code == 409, claim.text
    assert "retry-after" not in claim.headers  # final: the worker drops the message
    assert claim.json()["error"] == "NotClaimable"
    stored = await image.task(user, task["id"])
    assert stored["status"] == "canceled" and stored["attempts"] == 0


async def test_cancel_processing_is_honoured_by_the_worker(image: Any) -> None:
    user = await image.user()
    task = await image.submit(user)
    claim = await image.claimed(task["id"])
    beat = await image.heartbeat(task["id"], claim["attempt"], step=2, total=8)
    assert beat.json() == {"cancel": False}

    resp = await image.cancel(user, task["id"])

    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "processing"  # the worker owns it until it stops
    assert (await image.task(user, task["id"]))["status"] == "processing"
    beat = await image.heartbeat(task["id"], claim["attempt"], step=3, total=8)
    assert beat.status_code == 200, beat.text
    assert beat.json() == {"cancel": True}
    # canceling twice is harmless while it is still running
    assert (await image.cancel(user, task["id"])).json()["status"] == "processing"

    stopped = await image.internal(task["id"], "canceled", {"attempt": claim["attempt"]})

    assert stopped.status_code == 200, stopped.text
    final = await image.task(user, task["id"])
    assert final["status"] == "canceled"
    assert final["images"] == []
    assert final["finished_at"] is not None
    again = await image.claim(task["id"])
    assert again.status_code == 409 and "retry-after" not in again.headers


async def test_canceled_task_whose_worker_vanished_is_not_run_again(image: Any) -> None:
    """A redelivered message for a task the user canceled while it ran ends the task as canceled."""
    user = await image.user()
    task = await image.submit(user)
    await image.claimed(task["id"])
    assert (await image.cancel(user, task["id"])).json()["status"] == "processing"

    # the worker died; the redelivery or a sweeper republish reaches another worker
    claim = await image.claim(task["id"], "second-worker")

    assert claim.status_code == 409, claim.text
    assert "retry-after" not in claim.headers
    final = await image.task(user, task["id"])
    assert final["status"] == "canceled", final
    assert final["attempts"] == 1


async def test_cancel_after_completion_is_409(image: Any) -> None:
    user = await image.user()
    task = await image.submit(user)
    await image.run_to_completion(task["id"])

    resp = await image.cancel(user, task["id"])

    assert resp.status_code == 409, resp.text
    assert resp.json()["error"] == "TaskAlreadyFinished"
    assert "completed" in resp.json()["detail"]
    done = await image.task(user, task["id"])
    assert done["status"] == "completed" and len(done["images"]) == 1


async def test_cancel_of_a_canceled_task_is_409(image: Any) -> None:
    user = await image.user()
    task = await image.submit(user)
    assert (await image.cancel(user, task["id"])).status_code == 200
    again = await image.cancel(user, task["id"])
    assert again.status_code == 409
    assert again.json()["error"] == "TaskAlreadyFinished"


async def test_late_completion_of_a_canceled_task_is_refused(image: Any) -> None:
    """A worker that misses the cancel flag and reports images anyway does not resurrect the task."""
    user = await image.user()
    task = await image.submit(user)
    claim = await image.claimed(task["id"])
    await image.cancel(user, task["id"])
    assert (await image.internal(task["id"], "canceled", {"attempt": claim["attempt"]})).status_code == 200
    images, _ = await image.store_images(claim)

    resp = await image.complete(claim, images)

    assert resp.status_code == 409, resp.text
    final = await image.task(user, task["id"])
    assert final["status"] == "canceled" and final["images"] == []


async def test_cancel_of_a_running_task_is_visible_at_once(image: Any) -> None:
    user = await image.user()
    task = await image.submit(user)
    await image.claimed(task["id"])
    assert (await image.cancel(user, task["id"])).status_code == 200
    shown = await image.task(user, task["id"])
    assert shown["status"] == "processing" and shown["cancel_requested"] is True
