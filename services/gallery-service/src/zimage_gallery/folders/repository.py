"""All SQL for folders (moving their images lives with the images)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zimage_gallery.folders.models import Folder


async def list_folders(
    session: AsyncSession, owner_id: uuid.UUID, limit: int, after: tuple[datetime, uuid.UUID] | None
) -> Sequence[Folder]:
    stmt = select(Folder).where(Folder.owner_id == owner_id)
    if after:
        created, folder_id = after
        stmt = stmt.where(or_(Folder.created_at > created, and_(Folder.created_at == created, Folder.id > folder_id)))
    stmt = stmt.order_by(Folder.created_at, Folder.id).limit(limit)
    return (await session.execute(stmt)).scalars().all()


async def all_folders(session: AsyncSession, owner_id: uuid.UUID) -> Sequence[Folder]:
    stmt = select(Folder).where(Folder.owner_id == owner_id).order_by(Folder.name, Folder.id)
    return (await session.execute(stmt)).scalars().all()


async def get_own(session: AsyncSession, owner_id: uuid.UUID, folder_id: uuid.UUID) -> Folder | None:
    stmt = select(Folder).where(Folder.id == folder_id, Folder.owner_id == owner_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def sibling_named(
    session: AsyncSession, owner_id: uuid.UUID, parent_id: uuid.UUID | None, name: str
) -> Folder | None:
    parent = Folder.parent_id.is_(None) if parent_id is None else Folder.parent_id == parent_id
    stmt = select(Folder).where(Folder.owner_id == owner_id, parent, Folder.name == name).limit(1)
    return (await session.execute(stmt)).scalar_one_or_none()


async def child_ids(session: AsyncSession, owner_id: uuid.UUID, parent_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    stmt = select(Folder.id).where(Folder.owner_id == owner_id, Folder.parent_id.in_(list(parent_ids)))
    return list((await session.execute(stmt)).scalars().all())


async def add(session: AsyncSession, folder: Folder) -> None:
    session.add(folder)
    await session.flush()


async def rename(session: AsyncSession, folder_id: uuid.UUID, name: str) -> None:
    await session.execute(
        update(Folder).where(Folder.id == folder_id).values(name=name).execution_options(synchronize_session=False)
    )


async def delete_folders(session: AsyncSession, owner_id: uuid.UUID, folder_ids: Sequence[uuid.UUID]) -> None:
    await session.execute(
        delete(Folder)
        .where(Folder.owner_id == owner_id, Folder.id.in_(list(folder_ids)))
        .execution_options(synchronize_session=False)
    )
