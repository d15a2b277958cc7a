"""All SQL for tags and their links to images."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from zimage_gallery.tags.models import ImageTag, Tag


def _insert(session: AsyncSession) -> Any:
    """INSERT with ON CONFLICT DO NOTHING support, for the session's database."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


async def list_tags(
    session: AsyncSession, owner_id: uuid.UUID, limit: int, after: tuple[datetime, uuid.UUID] | None
) -> Sequence[Tag]:
    stmt = select(Tag).where(Tag.owner_id == owner_id)
    if after:
        created, tag_id = after
        stmt = stmt.where(or_(Tag.created_at > created, and_(Tag.created_at == created, Tag.id > tag_id)))
    stmt = stmt.order_by(Tag.created_at, Tag.id).limit(limit)
    return (await session.execute(stmt)).scalars().all()


async def all_tags(session: AsyncSession, owner_id: uuid.UUID) -> Sequence[Tag]:
    return (await session.execute(select(Tag).where(Tag.owner_id == owner_id).order_by(Tag.name))).scalars().all()


async def get_own(session: AsyncSession, owner_id: uuid.UUID, tag_id: uuid.UUID) -> Tag | None:
    return (await session.execute(select(Tag).where(Tag.id == tag_id, Tag.owner_id == owner_id))).scalar_one_or_none()


async def by_names(session: AsyncSession, owner_id: uuid.UUID, names: Sequence[str]) -> Sequence[Tag]:
    if not names:
        return []
    stmt = select(Tag).where(Tag.owner_id == owner_id, Tag.name.in_(list(names)))
    return (await session.execute(stmt)).scalars().all()


async def create_missing(session: AsyncSession, owner_id: uuid.UUID, names: Sequence[str], now: datetime) -> None:
    """Create the tags that do not exist yet; a concurrent creation of the same name is not an error."""
    if names:
        rows = [{"id": uuid.uuid4(), "owner_id": owner_id, "name": n, "created_at": now} for n in names]
        await session.execute(_insert(session)(Tag).values(rows).on_conflict_do_nothing())


async def rename(session: AsyncSession, tag_id: uuid.UUID, name: str) -> None:
    await session.execute(
        update(Tag).where(Tag.id == tag_id).values(name=name).execution_options(synchronize_session=False)
    )


async def merge(session: AsyncSession, owner_id: uuid.UUID, source_id: uuid.UUID, target_id: uuid.UUID) -> None:
    """Give the target tag every image of the source tag, then remove the source."""
    links = select(ImageTag.image_id, literal(target_id), ImageTag.owner_id, ImageTag.created_at).where(
        ImageTag.owner_id == owner_id, ImageTag.tag_id == source_id
    )
    await session.execute(
        _insert(session)(ImageTag)
        .from_select(["image_id", "tag_id", "owner_id", "created_at"], links)
        .on_conflict_do_nothing()
    )
    await delete_tag(session, owner_id, source_id)


async def delete_tag(session: AsyncSession, owner_id: uuid.UUID, tag_id: uuid.UUID) -> None:
    await session.execute(delete(ImageTag).where(ImageTag.owner_id == owner_id, ImageTag.tag_id == tag_id))
    await session.execute(delete(Tag).where(Tag.id == tag_id).execution_options(synchronize_session=False))
