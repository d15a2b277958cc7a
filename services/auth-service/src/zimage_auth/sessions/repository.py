"""SQL for refresh-token families."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zimage_auth.sessions.models import RefreshToken


async def add(session: AsyncSession, token: RefreshToken) -> None:
    session.add(token)
    await session.flush()


async def get(session: AsyncSession, jti: uuid.UUID) -> RefreshToken | None:
    return await session.get(RefreshToken, jti, populate_existing=True)


async def claim_for_rotation(session: AsyncSession, jti: uuid.UUID, now: datetime) -> bool:
    """Mark a live, unused token used; of two concurrent rotations exactly one gets True."""
    result = await session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.jti == jti,
            RefreshToken.used_at.is_(None),
            RefreshToken.revoked_at.is_(None),
            RefreshToken.expires_at > now,
            RefreshToken.family_expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount == 1


async def live_family_ids(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> set[uuid.UUID]:
    rows = await session.scalars(
        select(RefreshToken.family_id)
        .where(
            RefreshToken.user_id == user_id,
            RefreshToken.revoked_at.is_(None),
            RefreshToken.family_expires_at > now,
        )
        .distinct()
    )
    return set(rows)


async def revoke_families(
    session: AsyncSession, user_id: uuid.UUID, family_ids: Collection[uuid.UUID], now: datetime
) -> None:
    if not family_ids:
        return
    await session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.user_id == user_id,
            RefreshToken.family_id.in_(family_ids),
            RefreshToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
