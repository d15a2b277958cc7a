"""All SQL for the admin system page beyond the queue counts (tasks.repository.count_by_status)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from zimage_image.tasks.models import Task, TaskStatus


async def recent_failures(
    session: AsyncSession, limit: int
) -> Sequence[Row[uuid.UUID, uuid.UUID, str | None, int, datetime | None]]:
    stmt = (
        select(Task.id, Task.user_id, Task.error, Task.attempts, Task.finished_at)
        .where(Task.status == TaskStatus.failed)
        .order_by(Task.finished_at.desc(), Task.id.desc())
        .limit(limit)
    )
    return (await session.execute(stmt)).all()
