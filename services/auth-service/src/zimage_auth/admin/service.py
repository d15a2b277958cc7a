"""Admin user management: the team table, role and active changes, password-reset links. Every change is audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.audit import AdminAction, changes
from zimage_common.errors import Conflict
from zimage_common.pagination import decode_offset_cursor, encode_offset_cursor
from zimage_common.tokens import Revocations

from zimage_auth.admin.schemas import AdminUserOut, UserSort
from zimage_auth.admin.usage import UsageClient
from zimage_auth.password_resets import service as password_resets
from zimage_auth.password_resets.service import IssuedReset
from zimage_auth.sessions import service as sessions
from zimage_auth.users import repository
from zimage_auth.users import service as users
from zimage_auth.users.errors import UserNotFound
from zimage_auth.users.models import Role, User
from zimage_auth.users.repository import UserFilter
from zimage_auth.users.schemas import UserOut

# what a role may do, least first: a change down this list ends the member's sessions
RANK = {Role.USER: 0, Role.REVIEWER: 1, Role.ADMIN: 2}


class CannotChangeOwnAccount(Conflict):
    code = "CannotChangeOwnAccount"

    def __init__(self) -> None:
        super().__init__("You cannot remove your own administrator role or deactivate yourself; ask another admin")


class LastAdministrator(Conflict):
    code = "LastAdministrator"

    def __init__(self) -> None:
        super().__init__("This is the last active administrator; make someone else an administrator first")


@dataclass(frozen=True)
class UserPage:
    items: list[AdminUserOut]
    next_cursor: str | None
    total: int


def _row(user: User, counts: dict[uuid.UUID, int]) -> AdminUserOut:
    return AdminUserOut(**UserOut.model_validate(user).model_dump(), images_this_month=counts.get(user.id, 0))


async def list_users(
    session: AsyncSession,
    usage: UsageClient,
    where: UserFilter,
    *,
    sort: UserSort,
    descending: bool,
    cursor: str | None,
    limit: int,
) -> UserPage:
    offset = decode_offset_cursor(cursor) if cursor else 0
    total = await repository.count(session, where)
    if sort == UserSort.images_this_month:
        # The count lives in image-service: order the (team-sized) filtered set here.
        counts = await usage.images_this_month()
        everyone = await repository.search(session, where, sort=None, descending=False, offset=0, limit=None)
        everyone.sort(key=lambda u: (counts.get(u.id, 0), u.email), reverse=descending)
        page = everyone[offset : offset + limit]
    else:
        page = await repository.search(
            session, where, sort=sort.value, descending=descending, offset=offset, limit=limit
        )
        counts = await usage.images_this_month(u.id for u in page)
    next_offset = offset + len(page)
    return UserPage(
        items=[_row(u, counts) for u in page],
        next_cursor=encode_offset_cursor(next_offset) if next_offset < total and page else None,
        total=total,
    )


async def get_user(session: AsyncSession, usage: UsageClient, user_id: uuid.UUID) -> AdminUserOut:
    user = await repository.get(session, user_id)
    if user is None:
        raise UserNotFound()
    return _row(user, await usage.images_this_month([user.id]))


async def update_user(
    session: AsyncSession,
    usage: UsageClient,
    admin: AdminAction,
    *,
    revocations: Revocations,
    revocation_ttl_seconds: int,
    user_id: uuid.UUID,
    role: Role | None,
    is_active: bool | None,
) -> AdminUserOut:
    user = await repository.get(session, user_id)
    if user is None:
        raise UserNotFound()
    new_role = (role or Role(user.role)).value
    new_active = user.is_active if is_active is None else is_active
    diff = changes({"role": user.role, "is_active": user.is_active}, {"role": new_role, "is_active": new_active})
    if diff:
        losing_admin = user.is_admin and user.is_active and (new_role != Role.ADMIN or not new_active)
        if losing_admin and user.id == admin.principal.user_id:
            raise CannotChangeOwnAccount()
        if losing_admin and await repository.count_active_admins(session) <= 1:
            raise LastAdministrator()
        if "role" in diff:
            user.role = new_role
            if RANK[Role(new_role)] < RANK[Role(diff["role"]["from"])]:
                # A demoted member's access tokens still carry the old role: end their sessions now.
                await sessions.revoke_user_sessions(session, revocations, user.id, ttl_seconds=revocation_ttl_seconds)
        if "is_active" in diff:
            if new_active:
                await users.reactivate_user(session, revocations=revocations, user_id=user.id)
            else:
                await users.deactivate_user(
                    session, revocations=revocations, revocation_ttl_seconds=revocation_ttl_seconds, user_id=user.id
                )
        await repository.save(session)
        await admin.record("user.update", "user", user.id, {"email": user.email, **diff})
    return await get_user(session, usage, user.id)


async def issue_password_reset(
    session: AsyncSession, admin: AdminAction, *, user_id: uuid.UUID, ttl: timedelta
) -> IssuedReset:
    issued = await password_resets.issue(session, user_id=user_id, admin_id=admin.principal.user_id, ttl=ttl)
    await admin.record("user.password_reset", "user", user_id, {"expires_at": issued.expires_at.isoformat()})
    return issued
