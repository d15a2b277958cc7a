"""The audit log: admins read it; other services append to it over the internal route. Nobody edits it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status
from zimage_common.audit import AuditEntry
from zimage_common.auth import AdminUser
from zimage_common.db import SessionDep
from zimage_common.errors import BadRequest, Forbidden, Unauthorized, Unprocessable, error_responses
from zimage_common.internal import InternalCaller
from zimage_common.pagination import CursorQuery
from zimage_common.params import IsoInstant

from zimage_auth.audit import service
from zimage_auth.audit.repository import AuditFilter
from zimage_auth.audit.schemas import AuditEntryIn, AuditEntryOut, AuditPage

router = APIRouter(tags=["admin"])
internal_router = APIRouter(prefix="/internal/v1", tags=["internal"], include_in_schema=False)


@router.get(
    "/admin/audit",
    operation_id="admin_audit_list",
    summary="Admin actions, newest first (append-only)",
    responses=error_responses(Unauthorized, Forbidden, BadRequest, Unprocessable),
)
async def list_audit(
    _admin: AdminUser,
    session: SessionDep,
    actor_id: uuid.UUID | None = None,
    action: Annotated[str | None, Query(max_length=64, description="e.g. user.update, or user for all user.*")] = None,
    target_type: Annotated[str | None, Query(max_length=32)] = None,
    target_id: Annotated[str | None, Query(max_length=64)] = None,
    from_: Annotated[IsoInstant | None, Query(alias="from", description="inclusive; no zone means UTC")] = None,
    to: Annotated[IsoInstant | None, Query(description="exclusive")] = None,
    cursor: CursorQuery = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AuditPage:
    where = AuditFilter(actor_id, action, target_type, target_id, since=from_, until=to)
    rows, next_cursor = await service.page(session, where, cursor=cursor, limit=limit)
    return AuditPage(items=[AuditEntryOut.model_validate(r) for r in rows], next_cursor=next_cursor)


@internal_router.post("/audit", status_code=status.HTTP_204_NO_CONTENT, dependencies=[InternalCaller])
async def append(body: AuditEntryIn, session: SessionDep) -> None:
    await service.SessionAuditLog(session).record(AuditEntry(**body.model_dump()))
