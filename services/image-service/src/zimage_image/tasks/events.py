"""The progress stream: a snapshot from the database, then one event per change the EventBus announces."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from zimage_common.db import Database
from zimage_common.events import EventBus

from zimage_image.config import Settings
from zimage_image.tasks import repository as repo
from zimage_image.tasks.models import TaskStatus
from zimage_image.tasks.service import channel, to_out

POLL_WHILE_PENDING_S = 2.0


def sse(event: str, data: dict[str, Any], event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, default=str, ensure_ascii=False)}\n\n"


async def snapshot(app: FastAPI, task_id: uuid.UUID) -> tuple[int, str, dict[str, Any], bool]:
    """(sequence, event name, payload, terminal) for the task's current state."""
    db: Database = app.state.db
    settings: Settings = app.state.settings
    async with db.unit_of_work() as session:
        task = await repo.get_task(session, task_id, fresh=True)
        assert task is not None
        if task.status == TaskStatus.pending:
            position = await repo.queue_position(session, task)
            return task.event_seq, "queued", {"status": "pending", "position": position}, False
        if task.status == TaskStatus.processing:
            data = {
                "status": "processing",
                "step": task.progress_step,
                "total": task.progress_total or task.steps,
                "attempt": task.attempts,
                "canceling": task.cancel_requested,
            }
            return task.event_seq, "progress", data, False
        out = await to_out(task, app.state.store, settings)
        name = {"completed": "completed", "failed": "failed", "canceled": "canceled"}[task.status]
        return (
            task.event_seq,
            name,
            {"status": task.status, "error": task.error, "task": out.model_dump(mode="json")},
            True,
        )


async def task_event_stream(app: FastAPI, task_id: uuid.UUID, resume_after: int) -> AsyncIterator[str]:
    bus: EventBus = app.state.bus
    settings: Settings = app.state.settings
    last_sent: tuple[int, int | None] | None = None  # (seq, position) so queue moves are sent too
    yield "retry: 2000\n\n"
    async with bus.subscribe(channel(task_id)) as events:
        idle = 0.0
        # one outstanding read, kept across timeouts: cancelling a read could end the subscription
        next_event: asyncio.Future[Any] | None = None
        try:
            while True:
                seq, name, data, terminal = await snapshot(app, task_id)
                key = (seq, data.get("position"))
                if seq > resume_after and key != last_sent:
                    yield sse(name, data, seq)
                    last_sent = key
                if terminal:
                    return
                wait = POLL_WHILE_PENDING_S if name == "queued" else settings.sse_keepalive_seconds
                if next_event is None:
                    next_event = asyncio.ensure_future(anext(events))
                done, _ = await asyncio.wait({next_event}, timeout=wait)
                if done:
                    if next_event.exception() is not None:
                        return
                    next_event = None
                    idle = 0.0
                    continue
                idle += wait
                if idle >= settings.sse_keepalive_seconds:
                    yield ": keep-alive\n\n"
                    idle = 0.0
        finally:
            if next_event is not None:
                next_event.cancel()
