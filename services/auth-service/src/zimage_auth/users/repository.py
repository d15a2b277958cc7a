"""SQL for the users table."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
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


@dataclass(frozen=True)
class UserFilter:
    q: str | None = None  # part of the email or display name, any case
    role: str | None = None
    active: bool | None = None
    ids: tuple[uuid.UUID, ...] | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.q:
            needle = self.q.lower()
            query = query.where(
                or_(
                    func.lower(User.email).contains(needle, autoescape=True),
                    func.lower(User.display_name).contains(needle, autoescape=True),
                )
            )
        if self.role is not None:
            query = query.where(User.role == self.role)
        if self.active is not None:
            query = query.where(User.is_active.is_(self.active))
        if self.ids is not None:
            query = query.where(User.id.in_(self.ids))
        return query


async def search(
    session: AsyncSession, where: UserFilter, *, sort: str | None, descending: bool, offset: int, limit: int | None
) -> list[User]:
    """Filtered users ordered by `sort` (a User column; id breaks ties), or unordered by column when None."""
    query = where.apply(select(User))
    if sort is not None:
        column = getattr(User, sort)
        # NULLs (never signed in) last either way, spelled so that SQLite and PostgreSQL agree.
        query = query.order_by(
            column.is_(None), column.desc() if descending else column.asc(), User.id.desc() if descending else User.id
        )
    return list((await session.scalars(query.offset(offset).limit(limit))).all())


async def count(session: AsyncSession, where: UserFilter) -> int:
    return int(await session.scalar(where.apply(select(func.count()).select_from(User))) or 0)


async def count_active_admins(session: AsyncSession) -> int:
    return await count(session, UserFilter(role="admin", active=True))
