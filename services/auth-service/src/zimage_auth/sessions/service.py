"""Sign-in sessions: login, refresh-token rotation with reuse detection, logout and revocation.

Revocations (the store every verifier asks) are written before the unit of work commits: if the
commit then fails, a session is dead a little early, never alive too long.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.db import new_id, utcnow
from zimage_common.errors import Unauthorized
from zimage_common.tokens import REFRESH, Principal, Revocations, TokenVerifier

from zimage_auth.sessions import repository
from zimage_auth.sessions.errors import InvalidCredentials, InvalidRefreshToken, RefreshTokenReused
from zimage_auth.sessions.models import RefreshToken
from zimage_auth.sessions.throttle import LoginThrottle
from zimage_auth.sessions.tokens import TokenIssuer
from zimage_auth.users import passwords
from zimage_auth.users import repository as users
from zimage_auth.users.errors import AccountDisabled
from zimage_auth.users.models import User, normalise_email

log = structlog.get_logger("zimage.auth.sessions")


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_at: datetime
    session_id: uuid.UUID


async def _issue(
    session: AsyncSession,
    tokens: TokenIssuer,
    user: User,
    family_id: uuid.UUID,
    family_expires_at: datetime,
    now: datetime,
) -> IssuedTokens:
    jti = new_id()
    expires_at = min(now + tokens.refresh_ttl, family_expires_at)
    await repository.add(
        session,
        RefreshToken(
            jti=jti,
            family_id=family_id,
            user_id=user.id,
            issued_at=now,
            expires_at=expires_at,
            family_expires_at=family_expires_at,
        ),
    )
    return IssuedTokens(
        access_token=tokens.access_token(user_id=user.id, role=user.role, session_id=family_id, now=now),
        refresh_token=tokens.refresh_token(
            user_id=user.id, session_id=family_id, jti=jti, now=now, expires_at=expires_at
        ),
        expires_in=int(tokens.access_ttl.total_seconds()),
        refresh_expires_at=expires_at,
        session_id=family_id,
    )


async def login(
    session: AsyncSession,
    *,
    tokens: TokenIssuer,
    throttle: LoginThrottle,
    email: str,
    password: str,
    client_ip: str | None,
) -> IssuedTokens:
    email = normalise_email(email)
    await throttle.check(email, client_ip)
    user = await users.get_by_email(session, email)
    valid, rehashed = await passwords.verify_password(password, user.password_hash if user else None)
    if user is None or not valid:
        await throttle.record_failure(email, client_ip)
        raise InvalidCredentials()
    if not user.is_active:
        raise AccountDisabled()
    now = utcnow()
    if rehashed:
        user.password_hash = rehashed
    user.last_login_at = now
    return await _issue(session, tokens, user, new_id(), now + tokens.session_max_age, now)


def _claim_uuid(claims: dict[str, object], name: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(claims[name]))
    except (KeyError, ValueError) as exc:
        raise InvalidRefreshToken(f"Refresh token has an invalid {name}") from exc


async def refresh(
    session: AsyncSession,
    *,
    tokens: TokenIssuer,
    verifier: TokenVerifier,
    revocations: Revocations,
    refresh_token: str,
) -> IssuedTokens:
    """Rotate: the presented token is used up and a new one of the same family issued.

    Presenting a token that was already rotated means it leaked (or the client raced itself):
    the whole family is revoked and RefreshTokenReused raised; the caller must commit that.
    """
    claims = await verifier.decode(refresh_token, REFRESH)
    jti = _claim_uuid(claims, "jti")
    now = utcnow()
    if await repository.claim_for_rotation(session, jti, now):
        row = await repository.get(session, jti)
        user = await users.get(session, row.user_id) if row else None
        if row is None or user is None or not user.is_active:
            raise InvalidRefreshToken("This session has ended; sign in again")
        return await _issue(session, tokens, user, row.family_id, row.family_expires_at, now)

    row = await repository.get(session, jti)
    if row is None:
        raise InvalidRefreshToken("Unknown refresh token; sign in again")
    if row.revoked_at is not None:
        raise InvalidRefreshToken("This session has ended; sign in again")
    if row.used_at is not None:
        log.warning("refresh_token_reused", user_id=str(row.user_id), session_id=str(row.family_id))
        await revoke_sessions(
            session, revocations, row.user_id, [row.family_id], ttl_seconds=tokens.revocation_ttl_seconds
        )
        raise RefreshTokenReused()
    raise InvalidRefreshToken("Refresh token expired; sign in again")


async def revoke_sessions(
    session: AsyncSession,
    revocations: Revocations,
    user_id: uuid.UUID,
    family_ids: Collection[uuid.UUID],
    *,
    ttl_seconds: int,
) -> None:
    """End these sign-ins: no more refreshes, and their access tokens fail at every verifier at once."""
    if not family_ids:
        return
    await repository.revoke_families(session, user_id, family_ids, utcnow())
    await revocations.revoke_sessions([str(f) for f in family_ids], ttl_seconds)


async def revoke_user_sessions(
    session: AsyncSession,
    revocations: Revocations,
    user_id: uuid.UUID,
    *,
    ttl_seconds: int,
    keep: uuid.UUID | None = None,
) -> set[uuid.UUID]:
    """End every sign-in of a user except `keep`; returns the families ended."""
    family_ids = await repository.live_family_ids(session, user_id, utcnow()) - {keep}
    await revoke_sessions(session, revocations, user_id, family_ids, ttl_seconds=ttl_seconds)
    return family_ids


@dataclass(frozen=True)
class SignedInSession:
    """A sign-in named by a verified token: whose it is and its family id."""

    user_id: uuid.UUID
    session_id: uuid.UUID

    @classmethod
    def from_principal(cls, principal: Principal) -> SignedInSession:
        return cls(user_id=principal.user_id, session_id=uuid.UUID(principal.session_id))


async def session_from_refresh_token(verifier: TokenVerifier, refresh_token: str) -> SignedInSession:
    claims = await verifier.decode(refresh_token, REFRESH)
    return SignedInSession(user_id=_claim_uuid(claims, "sub"), session_id=_claim_uuid(claims, "sid"))


async def logout(
    session: AsyncSession,
    *,
    revocations: Revocations,
    ttl_seconds: int,
    signed_in: Collection[SignedInSession],
    everywhere: bool,
) -> None:
    if not signed_in:
        raise Unauthorized("Sign in required: send an access token or a refresh token")
    by_user: dict[uuid.UUID, set[uuid.UUID]] = {}
    for s in signed_in:
        by_user.setdefault(s.user_id, set()).add(s.session_id)
    for user_id, family_ids in by_user.items():
        if everywhere:
            family_ids |= await repository.live_family_ids(session, user_id, utcnow())
        await revoke_sessions(session, revocations, user_id, family_ids, ttl_seconds=ttl_seconds)
