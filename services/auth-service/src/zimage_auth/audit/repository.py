"""SQL for the audit log."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from zimage_auth.audit.models import AuditRecord


@dataclass(frozen=True)
class AuditFilter:
    actor_id: uuid.UUID | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def add(session: AsyncSession, record: AuditRecord) -> AuditRecord:
    session.add(record)
    await session.flush()
    return record


async def page(
    session: AsyncSession, where: AuditFilter, *, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> list[AuditRecord]:
    """Newest first; `after` is the (at, id) of the last row of the previous page."""
    query = select(AuditRecord)
    if where.actor_id is not None:
        query = query.where(AuditRecord.actor_id == where.actor_id)
    if where.action:
        # "user" matches every user.* action; "user.update" only itself.
        query = query.where(
            AuditRecord.action == where.action
            if "." in where.action
            else AuditRecord.action.startswith(where.action + ".", autoescape=True)
        )
    if where.target_type:
        query = query.where(AuditRecord.target_type == where.target_type)
    if where.target_id:
        query = query.where(AuditRecord.target_id == where.target_id)
    if where.since is not None:
        query = query.where(AuditRecord.at >= where.since)
    if where.until is not None:
        query = query.where(AuditRecord.at < where.until)
    if after is not None:
        at, row_id = after
        query = query.where(or_(AuditRecord.at < at, and_(AuditRecord.at == at, AuditRecord.id < row_id)))
    query = query.order_by(AuditRecord.at.desc(), AuditRecord.id.desc()).limit(limit)
    return list((await session.scalars(query)).all())
