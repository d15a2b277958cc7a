"""The progress stream (SSE): queue position, steps, the final state, and resuming with Last-Event-ID."""

from __future__ import annotations

from typing import Any


async def test_a_pending_task_reports_its_queue_position(image: Any, sse_stream: Any) -> None:
    user = await image.user()
    earlier = await image.submit(user)
    task = await image.submit(user)

    async with image.events(user, task["id"]) as resp:
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/event-stream")
        assert resp.headers["cache-control"] == "no-cache"
        stream = sse_stream(resp)
        try:
            event_id, name, data = await stream.next()
            assert name == "queued"
            assert data["status"] == "pending"
            position = data["position"]
            assert position >= 2  # `earlier` is ahead of it
            assert event_id == 1

            # the task ahead starts: the stream says so
            await image.claimed(earlier["id"])
            moved_id, name, data = await stream.next()
            assert (name, data["position"]) == ("queued", position - 1)
            assert moved_id >= event_id
        finally:
            await stream.close()


async def test_stream_follows_a_run_to_completion_and_closes(image: Any, sse_stream: Any) -> None:
    user = await image.user()
    task = await image.submit(user, num_images=2)

    async with image.events(user, task["id"]) as resp:
        assert resp.status_code == 200
        stream = sse_stream(resp)
        try:
            seen = [await stream.next()]
            assert seen[0][1] == "queued"

            claim = await image.claimed(task["id"])
            seen.append(await stream.next())
            assert seen[-1][1] == "progress"
            assert seen[-1][2] == {"status": "processing", "step": 0, "total": 8, "attempt": 1, "canceling": False}
            for step in range(1, 9):
                beat = await image.heartbeat(task["id"], claim["attempt"], step=step, total=8)
                assert beat.json() == {"cancel": False}
                seen.append(await stream.next())
                assert seen[-1][1:] == (
                    "progress",
                    {"status": "processing", "step": step, "total": 8, "attempt": 1, "canceling": False},
                )
            images, _ = await image.store_images(claim)
            assert (await image.complete(claim, images)).status_code == 200
            seen.append(await stream.next())
            assert await stream.rest() == []  # the server ended the stream after the final state
        finally:
            await stream.close()

    ids = [event_id for event_id, _, _ in seen]
    assert ids == sorted(set(ids)), ids  # strictly increasing
    steps = [data["step"] for _, name, data in seen if name == "progress"]
    assert steps == list(range(9))
    last_id, name, data = seen[-1]
    assert name == "completed"
    assert data["status"] == "completed" and data["error"] is None
    assert data["task"]["id"] == task["id"]
    assert data["task"]["status"] == "completed"
    assert [img["index"] for img in data["task"]["images"]] == [0, 1]
    downloaded = await image.http.get(image.url + data["task"]["images"][0]["url"])
    assert downloaded.status_code == 200

    # Resuming: only events after Last-Event-ID; the stream is a snapshot, so that is at most the final state.
    for resume_after, expected in (
        (last_id, []),
        (last_id - 1, ["completed"]),
        (0, ["completed"]),
        (None, ["completed"]),
    ):
        async with image.events(user, task["id"], last_event_id=resume_after) as again:
            assert again.status_code == 200
            replay = sse_stream(again)
            try:
                events = await replay.rest()
            finally:
                await replay.close()
        assert [name for _, name, _ in events] == expected, (resume_after, events)
        assert all(event_id == last_id for event_id, _, _ in events)


async def test_canceling_a_pending_task_ends_its_stream(image: Any, sse_stream: Any) -> None:
    user = await image.user()
    task = await image.submit(user)
    async with image.events(user, task["id"]) as resp:
        stream = sse_stream(resp)
        try:
            first_id, name, _ = await stream.next()
            assert name == "queued"
            assert (await image.cancel(user, task["id"])).status_code == 200
            event_id, name, data = await stream.next()
            assert name == "canceled" and data["status"] == "canceled"
            assert data["task"]["images"] == []
            assert event_id > first_id
            assert await stream.rest() == []
        finally:
            await stream.close()


async def test_a_failure_reaches_the_stream_with_its_reason(image: Any, sse_stream: Any) -> None:
    user = await image.user()
    task = await image.submit(user)
    claim = await image.claimed(task["id"])
    async with image.events(user, task["id"]) as resp:
        stream = sse_stream(resp)
        try:
            _, name, data = await stream.next()
            assert (name, data["step"]) == ("progress", 0)
            body = {"attempt": claim["attempt"], "error": "the GPU fell off the bus", "retryable": False}
            assert (await image.internal(task["id"], "fail", body)).status_code == 200
            _, name, data = await stream.next()
            assert name == "failed"
            assert data["error"] == "the GPU fell off the bus"
            assert data["task"]["status"] == "failed"
            assert await stream.rest() == []
        finally:
            await stream.close()


async def test_a_malformed_last_event_id_replays_the_current_state(image: Any, sse_stream: Any) -> None:
    user = await image.user()
    task = await image.submit(user)
    await image.run_to_completion(task["id"])
    headers = {**user.headers, "Last-Event-ID": "not-a-number"}
    async with image.http.stream("GET", f"{image.url}{image.API}/tasks/{task['id']}/events", headers=headers) as resp:
        assert resp.status_code == 200
        stream = sse_stream(resp)
        try:
            events = await stream.rest()
        finally:
            await stream.close()
    assert [name for _, name, _ in events] == ["completed"]
