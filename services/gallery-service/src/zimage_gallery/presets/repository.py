"""All SQL for prompt presets."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from zimage_gallery.presets.models import PresetScope, PromptPreset


def _visible_to(user_id: uuid.UUID) -> ColumnElement[bool]:
    return or_(PromptPreset.scope != PresetScope.personal, PromptPreset.owner_id == user_id)


async def get_visible(session: AsyncSession, user_id: uuid.UUID, preset_id: uuid.UUID) -> PromptPreset | None:
    stmt = select(PromptPreset).where(PromptPreset.id == preset_id, _visible_to(user_id))
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_visible(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
    category: str | None,
    scope: str | None,
) -> Sequence[PromptPreset]:
    stmt = select(PromptPreset).where(_visible_to(user_id))
    if category:
        stmt = stmt.where(PromptPreset.category == category)
    if scope is not None:
        stmt = stmt.where(PromptPreset.scope == scope)
    if after:
        created, preset_id = after
        stmt = stmt.where(
            or_(
                PromptPreset.created_at > created,
                and_(PromptPreset.created_at == created, PromptPreset.id > preset_id),
            )
        )
    stmt = stmt.order_by(PromptPreset.created_at, PromptPreset.id).limit(limit)
    return (await session.execute(stmt)).scalars().all()


async def add(session: AsyncSession, preset: PromptPreset) -> None:
    session.add(preset)
    await session.flush()


async def delete(session: AsyncSession, preset: PromptPreset) -> None:
    await session.delete(preset)
    await session.flush()
