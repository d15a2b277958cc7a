"""Admins' per-user quota overrides; submits read them through tasks.service.limits_of."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.audit import AdminAction, changes

from zimage_image.config import Settings
from zimage_image.quotas import repository as repo
from zimage_image.quotas.schemas import QuotaOut, QuotaUpdate
from zimage_image.tasks import repository as tasks_repo
from zimage_image.tasks import service as tasks


async def get(session: AsyncSession, settings: Settings, user_id: uuid.UUID) -> QuotaOut:
    override = await tasks_repo.get_quota(session, user_id)
    use = await tasks.usage(session, settings, user_id)
    return QuotaOut(
        user_id=user_id,
        images_per_day=override.images_per_day if override else None,
        max_active_tasks=override.max_active_tasks if override else None,
        default_images_per_day=settings.daily_image_quota,
        default_max_active_tasks=settings.max_active_tasks,
        effective_images_per_day=use.images_per_day,
        effective_max_active_tasks=use.max_active_tasks,
        images_today=use.images_today,
        active_tasks=use.active_tasks,
    )


async def update(
    session: AsyncSession, settings: Settings, admin: AdminAction, user_id: uuid.UUID, body: QuotaUpdate
) -> QuotaOut:
    before = await get(session, settings, user_id)
    await repo.set_quota(session, user_id, body.images_per_day, body.max_active_tasks)
    fields = ("images_per_day", "max_active_tasks")
    old = {k: getattr(before, k) for k in fields}
    new = body.model_dump()
    # Logged before the commit: auth-service down means 503 and the change rolls back.
    await admin.record("quota.update", "user", user_id, {"before": old, "after": new, "changes": changes(old, new)})
    return await get(session, settings, user_id)
