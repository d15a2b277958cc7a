"""All SQL for export records."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from zimage_gallery.exports.models import ImageExport


async def get_by_key(session: AsyncSession, key: str) -> ImageExport | None:
    return (await session.execute(select(ImageExport).where(ImageExport.key == key))).scalar_one_or_none()


async def record(session: AsyncSession, export: ImageExport) -> None:
    """Keep the export's record; a concurrent render of the same key already recorded it."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = {c.key: getattr(export, c.key) for c in ImageExport.__table__.columns}
    await session.execute(insert(ImageExport).values(values).on_conflict_do_nothing(index_elements=["key"]))
