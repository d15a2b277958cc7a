"""All SQL for per-user quota overrides (read at submit through tasks.repository.get_quota)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.db import utcnow

from zimage_image.quotas.models import UserQuota


async def set_quota(
    session: AsyncSession, user_id: uuid.UUID, images_per_day: int | None, max_active_tasks: int | None
) -> None:
    """Store the override; both values None removes it (the user is back on the defaults)."""
    row = await session.get(UserQuota, user_id, with_for_update=True)
    if images_per_day is None and max_active_tasks is None:
        if row is not None:
            await session.delete(row)
    elif row is None:
        session.add(
            UserQuota(
                user_id=user_id, images_per_day=images_per_day, max_active_tasks=max_active_tasks, updated_at=utcnow()
            )
        )
    else:
        row.images_per_day = images_per_day
        row.max_active_tasks = max_active_tasks
        row.updated_at = utcnow()
    await session.flush()
