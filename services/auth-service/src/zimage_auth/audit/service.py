"""Writing and reading the audit log. auth-service's own admin actions write in the request's transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.audit import AuditEntry, AuditLog
from zimage_common.pagination import decode_cursor, encode_cursor

from zimage_auth.audit import repository
from zimage_auth.audit.models import AuditRecord
from zimage_auth.audit.repository import AuditFilter
from zimage_auth.users import repository as users


class SessionAuditLog(AuditLog):
    """Adds the row to the caller's unit of work: it commits, or rolls back, with the action it records."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, entry: AuditEntry) -> None:
        actor = await users.get(self.session, entry.actor_id)
        await repository.add(
            self.session,
            AuditRecord(
                actor_id=entry.actor_id,
                actor_email=actor.email if actor is not None else "(unknown account)",
                action=entry.action,
                target_type=entry.target_type,
                target_id=entry.target_id,
                detail=entry.detail,
                ip=entry.ip,
                service=entry.service,
            ),
        )


async def page(
    session: AsyncSession, where: AuditFilter, *, cursor: str | None, limit: int
) -> tuple[list[AuditRecord], str | None]:
    rows = await repository.page(session, where, after=decode_cursor(cursor) if cursor else None, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].at, rows[-1].id) if more else None
