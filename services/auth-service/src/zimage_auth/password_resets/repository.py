"""SQL for password-reset links."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from zimage_auth.password_resets.models import PasswordReset


async def replace_for_user(session: AsyncSession, reset: PasswordReset) -> PasswordReset:
    """Store `reset` as the user's only open link: a new link voids the ones issued before it."""
    await session.execute(
        delete(PasswordReset).where(PasswordReset.user_id == reset.user_id, PasswordReset.used_at.is_(None))
    )
    session.add(reset)
    await session.flush()
    return reset


async def get_by_hash(session: AsyncSession, token_hash: str) -> PasswordReset | None:
    # FOR UPDATE on PostgreSQL: two concurrent redemptions of one link cannot both pass the "unused" check.
    return await session.scalar(select(PasswordReset).where(PasswordReset.token_hash == token_hash).with_for_update())


async def for_user(session: AsyncSession, user_id: uuid.UUID) -> list[PasswordReset]:
    return list((await session.scalars(select(PasswordReset).where(PasswordReset.user_id == user_id))).all())
