"""Admin user routes (role admin, re-checked here, not only at the gateway)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from zimage_common.audit import AdminAction
from zimage_common.auth import AdminUser
from zimage_common.db import SessionDep
from zimage_common.errors import BadRequest, Forbidden, ServiceUnavailable, Unauthorized, Unprocessable, error_responses
from zimage_common.internal import request_ip
from zimage_common.pagination import CursorQuery

from zimage_auth.admin import service
from zimage_auth.admin.schemas import (
    AdminUserOut,
    AdminUserPage,
    AdminUserUpdate,
    PasswordResetLink,
    SortOrder,
    UserSort,
)
from zimage_auth.admin.service import CannotChangeOwnAccount, LastAdministrator
from zimage_auth.admin.usage import UsageClient
from zimage_auth.audit.service import SessionAuditLog
from zimage_auth.deps import RevocationsDep, SettingsDep
from zimage_auth.users.errors import UserNotFound
from zimage_auth.users.models import Role
from zimage_auth.users.repository import UserFilter

router = APIRouter(prefix="/admin/users", tags=["admin"])
COMMON_ERRORS = (Unauthorized, Forbidden, ServiceUnavailable)
MAX_IDS = 200


async def _admin_action(request: Request, principal: AdminUser, session: SessionDep) -> AdminAction:
    # auth-service keeps the audit log: the row joins this request's transaction.
    return AdminAction(principal, request_ip(request), "auth-service", SessionAuditLog(session))


def _usage(request: Request) -> UsageClient:
    usage: UsageClient = request.app.state.usage
    return usage


AdminActionDep = Annotated[AdminAction, Depends(_admin_action)]
UsageDep = Annotated[UsageClient, Depends(_usage)]


def _ids(raw: str | None) -> tuple[uuid.UUID, ...] | None:
    if raw is None:
        return None
    try:
        ids = tuple(uuid.UUID(part) for part in raw.split(",") if part.strip())
    except ValueError as exc:
        raise BadRequest("ids must be user ids separated by commas") from exc
    if len(ids) > MAX_IDS:
        raise BadRequest(f"at most {MAX_IDS} ids at once")
    return ids


@router.get(
    "",
    operation_id="admin_users_list",
    summary="The team: search, filter, sort and page through accounts",
    responses=error_responses(*COMMON_ERRORS, BadRequest, Unprocessable),
)
async def list_users(
    _admin: AdminUser,
    session: SessionDep,
    usage: UsageDep,
    q: Annotated[str | None, Query(max_length=100, description="part of the email or display name")] = None,
    role: Role | None = None,
    active: bool | None = None,
    ids: Annotated[str | None, Query(max_length=8000, description="only these user ids, comma-separated")] = None,
    sort: UserSort = UserSort.created_at,
    order: SortOrder = SortOrder.desc,
    cursor: CursorQuery = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AdminUserPage:
    where = UserFilter(q=q.strip() if q else None, role=role.value if role else None, active=active, ids=_ids(ids))
    page = await service.list_users(
        session, usage, where, sort=sort, descending=order == SortOrder.desc, cursor=cursor, limit=limit
    )
    return AdminUserPage(items=page.items, next_cursor=page.next_cursor, total=page.total)


@router.get(
    "/{user_id}",
    operation_id="admin_users_get",
    responses=error_responses(*COMMON_ERRORS, UserNotFound),
)
async def get_user(user_id: uuid.UUID, _admin: AdminUser, session: SessionDep, usage: UsageDep) -> AdminUserOut:
    return await service.get_user(session, usage, user_id)


@router.patch(
    "/{user_id}",
    operation_id="admin_users_update",
    summary="Change role or active state (deactivation and demotion end the user's sessions at once)",
    responses=error_responses(*COMMON_ERRORS, UserNotFound, CannotChangeOwnAccount, LastAdministrator, Unprocessable),
)
async def update_user(
    user_id: uuid.UUID,
    body: AdminUserUpdate,
    admin: AdminActionDep,
    session: SessionDep,
    usage: UsageDep,
    revocations: RevocationsDep,
    settings: SettingsDep,
) -> AdminUserOut:
    return await service.update_user(
        session,
        usage,
        admin,
        revocations=revocations,
        revocation_ttl_seconds=settings.revocation_ttl_seconds,
        user_id=user_id,
        role=body.role,
        is_active=body.is_active,
    )


@router.post(
    "/{user_id}/password-reset",
    operation_id="admin_users_password_reset",
    summary="Issue a one-time password-reset link (voids earlier ones); hand it to the user",
    responses=error_responses(Unauthorized, Forbidden, UserNotFound),
)
async def password_reset(
    user_id: uuid.UUID, admin: AdminActionDep, session: SessionDep, settings: SettingsDep
) -> PasswordResetLink:
    issued = await service.issue_password_reset(
        session, admin, user_id=user_id, ttl=timedelta(hours=settings.password_reset_ttl_hours)
    )
    return PasswordResetLink(
        token=issued.token,
        reset_url=f"{settings.public_app_url.rstrip('/')}/reset-password?token={issued.token}",
        expires_at=issued.expires_at,
    )
