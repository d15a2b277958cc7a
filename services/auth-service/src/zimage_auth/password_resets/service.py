"""Issue a one-time reset link (admin) and redeem it (the user, signed out)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.db import utcnow
from zimage_common.errors import BadRequest
from zimage_common.tokens import Revocations

from zimage_auth.password_resets import repository
from zimage_auth.password_resets.models import PasswordReset
from zimage_auth.sessions import service as sessions
from zimage_auth.users import passwords
from zimage_auth.users import repository as users
from zimage_auth.users.errors import AccountDisabled, UserNotFound

log = structlog.get_logger("zimage.auth.password_resets")


class InvalidResetToken(BadRequest):
    code = "InvalidResetToken"

    def __init__(self) -> None:
        super().__init__("This reset link is invalid, used or expired; ask an administrator for a new one")


@dataclass(frozen=True)
class IssuedReset:
    token: str
    expires_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(session: AsyncSession, *, user_id: uuid.UUID, admin_id: uuid.UUID, ttl: timedelta) -> IssuedReset:
    if await users.get(session, user_id) is None:
        raise UserNotFound()
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + ttl
    await repository.replace_for_user(
        session,
        PasswordReset(user_id=user_id, token_hash=_digest(token), created_by=admin_id, expires_at=expires_at),
    )
    return IssuedReset(token=token, expires_at=expires_at)


async def redeem(
    session: AsyncSession, *, revocations: Revocations, revocation_ttl_seconds: int, token: str, new_password: str
) -> None:
    """Set the password and end every session of the account; the link works once."""
    reset = await repository.get_by_hash(session, _digest(token))
    now = utcnow()
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        raise InvalidResetToken()
    user = await users.get(session, reset.user_id)
    if user is None:
        raise InvalidResetToken()
    if not user.is_active:
        raise AccountDisabled()
    passwords.check_policy(new_password, user.email)
    user.password_hash = await passwords.hash_password(new_password)
    reset.used_at = now
    ended = await sessions.revoke_user_sessions(session, revocations, user.id, ttl_seconds=revocation_ttl_seconds)
    await users.save(session)
    log.info("password_reset_redeemed", user_id=str(user.id), sessions_ended=len(ended))
