"""The worker's side over the internal API: claim with leases and attempts, heartbeats, reports (P1, P2, P4)."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest

LEASE_SECONDS = 1.5


@pytest.fixture(scope="module")
def image_overrides() -> dict[str, Any]:
    # Short leases so expiry can be waited for; the sweeper stays off so only the claim route decides.
    return {"lease_seconds": LEASE_SECONDS, "max_attempts": 3}


async def claim_when_lease_expired(image: Any, task_id: str, worker: str) -> Any:
    """Claim again as soon as the previous attempt's lease has run out (each refusal says how long to wait)."""
    deadline = time.monotonic() + 10 * LEASE_SECONDS
    while True:
        resp = await image.claim(task_id, worker)
        if resp.status_code != 409 or "retry-after" not in resp.headers:
            return resp
        assert time.monotonic() < deadline, "the lease never expired"
        await asyncio.sleep(min(float(resp.headers["retry-after"]), 0.2))


async def test_claim_moves_the_task_to_processing(image: Any) -> None:
    user = await image.user()
    task = await image.submit(user, preset="facebook_cover", seed=7, num_images=2, negative_prompt="text")

    claim = await image.claimed(task["id"], "gpu-0")

    assert claim["task_id"] == task["id"]
    assert claim["user_id"] == user.id
    assert claim["attempt"] == 1
    assert (claim["width"], claim["height"]) == (820, 312)
    assert (claim["generation_width"], claim["generation_height"]) == (
        task["generation_width"],
        task["generation_height"],
    )
    assert (claim["num_images"], claim["seed"], claim["steps"]) == (2, 7, 8)
    assert claim["lease_seconds"] == LEASE_SECONDS
    running = await image.task(user, task["id"])
    assert running["status"] == "processing"
    assert running["attempts"] == 1
    assert running["queue_wait_seconds"] is not None and running["queue_wait_seconds"] >= 0
    assert running["started_at"] is not None
    assert running["queue_position"] is None


async def test_a_live_lease_blocks_other_claims_until_it_expires(image: Any) -> None:
    user = await image.user()
    task = await image.submit(user)
    first = await image.claimed(task["id"], "gpu-0")
    assert (await image.heartbeat(task["id"], first["attempt"])).json() == {"cancel": False}

    busy = await image.claim(task["id"], "gpu-1")

    assert busy.status_code == 409, busy.text
    assert 0 < float(busy.headers["retry-after"]) <= LEASE_SECONDS
    assert busy.json()["error"] == "NotClaimable"
    assert (await image.task(user, task["id"]))["attempts"] == 1

    second = await claim_when_lease_expired(image, task["id"], "gpu-1")

    assert second.status_code == 200, second.text
    assert second.json()["attempt"] == 2
    stale = await image.heartbeat(task["id"], first["attempt"], step=4, total=8)
    assert stale.status_code == 409, stale.text
    assert (await image.heartbeat(task["id"], 2, step=1, total=8)).json() == {"cancel": False}
    images, _ = await image.store_images(first)
    late = await image.complete(first, images)
    assert late.status_code == 409, late.text  # the superseded attempt cannot report
    running = await image.task(user, task["id"])
    assert running["status"] == "processing"
    assert running["attempts"] == 2
    assert running["progress"] == {"step": 1, "total": 8}


async def test_heartbeats_record_progress(image: Any) -> None:
    user = await image.user()
    task = await image.submit(user)
    claim = await image.claimed(task["id"])
    for step in (1, 2, 5):
        resp = await image.heartbeat(task["id"], claim["attempt"], step=step, total=8)
        assert resp.status_code == 200, resp.text
        assert (await image.task(user, task["id"]))["progress"] == {"step": step, "total": 8}


async def test_complete_lists_images_with_signed_urls_that_download(image: Any) -> None:
    user = await image.user()
    task = await image.submit(user, num_images=2, seed=100)
    claim = await image.claimed(task["id"])
    images, pngs = await image.store_images(claim)

    resp = await image.complete(claim, images)

    assert resp.status_code == 200, resp.text
    assert resp.json() == {"status": "completed"}
    done = await image.task(user, task["id"])
    assert done["status"] == "completed"
    assert done["engine"] == "tiny (demo)" and done["model"] == "tiny-random"
    assert done["gpu_seconds"] == 0.5
    assert done["progress"] == {"step": 8, "total": 8}
    assert done["finished_at"] is not None and done["error"] is None
    assert [(i["index"], i["seed"]) for i in done["images"]] == [(0, 100), (1, 101)]
    for img, png in zip(done["images"], pngs, strict=True):
        assert (img["width"], img["height"]) == (task["width"], task["height"])
        got = await image.http.get(image.url + img["url"])
        assert got.status_code == 200, got.text
        assert got.content == png
        assert got.headers["content-type"] == "image/png"
        assert "attachment" in got.headers["content-disposition"]
        thumb = await image.http.get(image.url + img["thumbnail_url"])
        assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp"
        assert thumb.content[:4] == b"RIFF"
        tampered = img["url"].replace("sig=", "sig=0")
        assert (await image.http.get(image.url + tampered)).status_code == 403

    # a redelivered report (the worker retried after a lost answer): still one set of images
    again = await image.complete(claim, images)
    assert again.status_code == 200, again.text
    after = await image.task(user, task["id"])
    assert [i["id"] for i in after["images"]] == [i["id"] for i in done["images"]]
    history = (await image.list_tasks(user))["items"]
    assert [len(t["images"]) for t in history] == [2]

    final = await image.claim(task["id"])
    assert final.status_code == 409, final.text
    assert "retry-after" not in final.headers
    assert "completed" in final.json()["detail"]


async def test_a_task_runs_at_most_max_attempts(image: Any) -> None:
    user = await image.user()
    task = await image.submit(user)
    for attempt in (1, 2, 3):
        resp = await claim_when_lease_expired(image, task["id"], f"doomed-{attempt}")
        assert resp.status_code == 200, resp.text
        assert resp.json()["attempt"] == attempt
        # ... and the worker dies without a word

    refused = await claim_when_lease_expired(image, task["id"], "doomed-4")

    assert refused.status_code == 409, refused.text
    assert "retry-after" not in refused.headers
    failed = await image.task(user, task["id"])
    assert failed["status"] == "failed", failed
    assert failed["attempts"] == 3
    assert "3 times" in failed["error"] and "Try again" in failed["error"]
    assert failed["finished_at"] is not None


async def test_retryable_failure_with_attempts_left_is_retried(image: Any) -> None:
    user = await image.user()
    task = await image.submit(user)
    await image.wait_published(task["id"])
    claim = await image.claimed(task["id"])

    resp = await image.internal(
        task["id"], "fail", {"attempt": claim["attempt"], "error": "CUDA out of memory", "retryable": True}
    )

    assert resp.status_code == 200, resp.text
    await image.wait_published(task["id"], times=2)  # a fresh message through the outbox
    retry = await image.claimed(task["id"], "gpu-1")  # at once: the failed attempt gave up its lease
    assert retry["attempt"] == 2
    still = await image.task(user, task["id"])
    assert still["status"] == "processing" and still["error"] is None


async def test_retryable_failure_on_the_last_attempt_fails_the_task(image: Any) -> None:
    user = await image.user()
    task = await image.submit(user)
    attempt = 0
    for _ in range(3):
        claim = await image.claimed(task["id"])
        attempt = claim["attempt"]
        body = {"attempt": attempt, "error": "CUDA out of memory", "retryable": True}
        assert (await image.internal(task["id"], "fail", body)).status_code == 200
    assert attempt == 3
    failed = await image.task(user, task["id"])
    assert failed["status"] == "failed"
    assert failed["error"] == "CUDA out of memory"


async def test_permanent_failure_fails_the_task_with_its_reason(image: Any) -> None:
    user = await image.user()
    task = await image.submit(user)
    claim = await image.claimed(task["id"])
    body = {
        "attempt": claim["attempt"],
        "error": "prompt rejected by the safety checker",
        "retryable": False,
        "engine": "tiny",
        "model": "tiny-random",
    }

    resp = await image.internal(task["id"], "fail", body)

    assert resp.status_code == 200, resp.text
    failed = await image.task(user, task["id"])
    assert failed["status"] == "failed"
    assert failed["error"] == "prompt rejected by the safety checker"
    assert failed["engine"] == "tiny (demo)"
    assert failed["images"] == []
    final = await image.claim(task["id"])
    assert final.status_code == 409 and "retry-after" not in final.headers


async def test_claims_for_unknown_tasks_are_final_refusals(image: Any) -> None:
    missing = await image.claim(str(uuid.uuid4()))
    assert missing.status_code == 409, missing.text
    assert "retry-after" not in missing.headers
    assert (await image.claim("not-a-task-id")).status_code == 422


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("claim", {"worker": "intruder"}),
        ("heartbeat", {"attempt": 1, "step": 8, "total": 8}),
        ("complete", {"attempt": 1, "engine": "x", "model": "x", "gpu_seconds": 0, "images": []}),
        ("fail", {"attempt": 1, "error": "x"}),
        ("canceled", {"attempt": 1}),
    ],
)
async def test_internal_routes_need_the_service_token(image: Any, action: str, body: dict[str, Any]) -> None:
    user = await image.user()
    task = await image.submit(user)
    if action != "claim":
        await image.claimed(task["id"])
    before = await image.task(user, task["id"])

    for token in (None, "", "wrong-token", image.INTERNAL_TOKEN + "x"):
        resp = await image.internal(task["id"], action, body, token=token)
        assert resp.status_code == 401, (token, resp.text)
        assert resp.json()["error"] == "Unauthorized"
    # and a user's access token is no service token
    resp = await image.http.post(
        f"{image.url}/internal/v1/tasks/{task['id']}/{action}", json=body, headers=user.headers
    )
    assert resp.status_code == 401

    after = await image.task(user, task["id"])
    for field in ("status", "attempts", "progress", "error"):
        assert after[field] == before[field]
