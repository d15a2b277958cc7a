"""Workers report themselves every few seconds; the admin system page lists them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.db import utcnow

from zimage_image.workers import repository as repo
from zimage_image.workers.models import Worker
from zimage_image.workers.schemas import WorkerOut, WorkerReport

MISSED_REPORTS_OFFLINE = 3  # a worker is offline after missing this many heartbeats
FORGET_AFTER = timedelta(days=7)  # rows older than this are not listed


async def report(session: AsyncSession, body: WorkerReport) -> None:
    await repo.upsert(session, body.model_dump() | {"last_seen_at": utcnow()})


def is_online(worker: Worker, now: datetime) -> bool:
    return now - worker.last_seen_at <= timedelta(seconds=MISSED_REPORTS_OFFLINE * worker.interval_seconds)


async def listed(session: AsyncSession) -> list[WorkerOut]:
    now = utcnow()
    return [
        WorkerOut(
            id=w.id,
            hostname=w.hostname,
            engine=w.engine,
            model=w.model,
            device=w.device,
            gpu_name=w.gpu_name,
            gpu_memory_used_bytes=w.gpu_memory_used_bytes,
            gpu_memory_total_bytes=w.gpu_memory_total_bytes,
            gpu_utilization=w.gpu_utilization,
            state=w.state,
            current_task_id=w.current_task_id,
            tasks_done=w.tasks_done,
            started_at=w.started_at,
            last_seen_at=w.last_seen_at,
            online=is_online(w, now),
        )
        for w in await repo.list_seen_since(session, now - FORGET_AFTER)
    ]
