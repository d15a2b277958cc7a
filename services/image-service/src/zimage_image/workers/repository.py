"""All SQL for the workers' status rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from zimage_image.workers.models import Worker


async def upsert(session: AsyncSession, values: dict[str, Any]) -> None:
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(Worker).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[Worker.id], set_={k: stmt.excluded[k] for k in values if k != "id"}
    )
    await session.execute(stmt)


async def list_seen_since(session: AsyncSession, since: datetime) -> Sequence[Worker]:
    stmt = select(Worker).where(Worker.last_seen_at >= since).order_by(Worker.id)
    return (await session.execute(stmt)).scalars().all()
