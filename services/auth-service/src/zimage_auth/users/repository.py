"""SQL for the users table."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from zimage_auth.users.errors import EmailTaken
from zimage_auth.users.models import User


async def get(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def get_by_email(session: AsyncSession, normalised_email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == normalised_email))


async def add(session: AsyncSession, user: User) -> User:
    """Insert `user`; a concurrent registration of the same address loses on the unique index."""
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise EmailTaken() from exc
    return user


async def save(session: AsyncSession) -> None:
    """Write pending changes now, so defaults and onupdate values are on the objects before they are read."""
    await session.flush()
