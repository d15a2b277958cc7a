"""Per-user limits: running tasks and images per UTC day, refused with 429 + Retry-After, writing nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest


@pytest.fixture(scope="module")
def image_overrides() -> dict[str, Any]:
    return {"max_active_tasks": 2, "daily_image_quota": 5}


async def test_third_active_task_is_refused_and_not_written(image: Any) -> None:
    user = await image.user()
    first = await image.submit(user)
    second = await image.submit(user)
    await image.wait_published(second["id"])
    mark = image.queue.mark()

    resp = await image.generate(user, {"prompt": "one too many"})

    assert resp.status_code == 429, resp.text
    assert int(resp.headers["retry-after"]) > 0
    body = resp.json()
    assert body["error"] == "QuotaExceeded"
    assert "limit 2" in body["detail"], body["detail"]
    assert [t["id"] for t in (await image.list_tasks(user))["items"]] == [second["id"], first["id"]]

    # a finished task frees its slot; the refused request left nothing for the relay to publish
    claim = await image.claimed(first["id"])
    assert (await image.internal(first["id"], "fail", {"attempt": claim["attempt"], "error": "x"})).status_code == 200
    third = await image.submit(user, "now it fits")
    await image.wait_published(third["id"], since=mark)
    assert image.queue.since(mark) == [third["id"]]


async def test_other_users_have_their_own_slots(image: Any) -> None:
    busy, fresh = await image.user(), await image.user()
    await image.submit(busy)
    await image.submit(busy)
    assert (await image.generate(busy, {"prompt": "refused"})).status_code == 429
    assert (await image.generate(fresh, {"prompt": "accepted"})).status_code == 202


async def test_daily_image_quota_counts_images(image: Any) -> None:
    user = await image.user()
    four = await image.submit(user, num_images=4)

    resp = await image.generate(user, {"prompt": "two more", "num_images": 2})

    assert resp.status_code == 429, resp.text
    assert 0 < int(resp.headers["retry-after"]) <= 24 * 3600  # until the next UTC midnight
    assert resp.json()["error"] == "QuotaExceeded"
    assert "4 of 5" in resp.json()["detail"], resp.json()["detail"]
    assert [t["id"] for t in (await image.list_tasks(user))["items"]] == [four["id"]]
    usage = (await image.get(user, f"{image.API}/usage")).json()
    assert usage["images_today"] == 4 and usage["images_per_day"] == 5, usage
    assert usage["active_tasks"] == 1 and usage["max_active_tasks"] == 2, usage
    assert usage["resets_at"].endswith(("T00:00:00Z", "T00:00:00+00:00")), usage
    # what is left of the day still fits
    one = await image.submit(user, num_images=1)
    assert one["num_images"] == 1


async def test_canceled_tasks_do_not_count_toward_the_daily_quota(image: Any) -> None:
    user = await image.user()
    first = await image.submit(user, num_images=4)
    assert (await image.cancel(user, first["id"])).json()["status"] == "canceled"
    again = await image.submit(user, num_images=4)
    assert again["status"] == "pending"
    assert (await image.generate(user, {"prompt": "over", "num_images": 2})).status_code == 429


async def test_completed_images_count_toward_the_daily_quota(image: Any) -> None:
    user = await image.user()
    task = await image.submit(user, num_images=3)
    await image.run_to_completion(task["id"])
    assert (await image.task(user, task["id"]))["status"] == "completed"
    assert (await image.generate(user, {"prompt": "over", "num_images": 3})).status_code == 429
    assert (await image.generate(user, {"prompt": "fits", "num_images": 2})).status_code == 202


async def test_concurrent_submits_cannot_overrun_the_active_limit(image: Any) -> None:
    user = await image.user()
    answers = await asyncio.gather(*(image.generate(user, {"prompt": f"burst {i}"}) for i in range(8)))
    assert sorted(r.status_code for r in answers) == [202] * 2 + [429] * 6, [r.text for r in answers]
    assert len((await image.list_tasks(user))["items"]) == 2


async def test_concurrent_submits_cannot_overrun_the_daily_quota(image: Any) -> None:
    user = await image.user()
    answers = await asyncio.gather(*(image.generate(user, {"prompt": "two", "num_images": 2}) for _ in range(3)))
    assert sorted(r.status_code for r in answers) == [202, 202, 429], [r.text for r in answers]
    listed = (await image.list_tasks(user))["items"]
    assert sum(t["num_images"] for t in listed) == 4
