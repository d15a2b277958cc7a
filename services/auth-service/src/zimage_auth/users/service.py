"""Accounts: registration, the caller's own profile and password, and the admin operations."""

from __future__ import annotations

import secrets
import uuid

import structlog
from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.db import after_commit
from zimage_common.errors import Unauthorized, Unprocessable
from zimage_common.tokens import Principal, Revocations

from zimage_auth.sessions import service as sessions
from zimage_auth.sessions.throttle import LoginThrottle
from zimage_auth.users import passwords, repository
from zimage_auth.users.errors import AccountDisabled, EmailTaken, UserNotFound, WrongCurrentPassword
from zimage_auth.users.models import Role, User, normalise_email

log = structlog.get_logger("zimage.auth.users")


async def register(session: AsyncSession, *, email: str, password: str, display_name: str) -> User:
    email = normalise_email(email)
    passwords.check_policy(password, email)
    if await repository.get_by_email(session, email) is not None:
        raise EmailTaken()
    user = User(email=email, display_name=display_name, password_hash=await passwords.hash_password(password))
    return await repository.add(session, user)


async def get_active(session: AsyncSession, user_id: uuid.UUID) -> User:
    """The signed-in user's row; a token can outlive its account, which then answers as signed out."""
    user = await repository.get(session, user_id)
    if user is None:
        raise Unauthorized("This account no longer exists")
    if not user.is_active:
        raise AccountDisabled()
    return user


async def update_me(
    session: AsyncSession,
    *,
    principal: Principal,
    revocations: Revocations,
    throttle: LoginThrottle,
    revocation_ttl_seconds: int,
    display_name: str | None = None,
    current_password: str | None = None,
    new_password: str | None = None,
) -> User:
    """Change the caller's profile; a new password ends every other session of the user."""
    user = await get_active(session, principal.user_id)
    if display_name is not None:
        user.display_name = display_name
    if new_password is not None:
        if current_password is None:
            raise Unprocessable("current_password is required to set a new password")
        await _change_password(
            session,
            user,
            principal=principal,
            revocations=revocations,
            throttle=throttle,
            revocation_ttl_seconds=revocation_ttl_seconds,
            current_password=current_password,
            new_password=new_password,
        )
    elif current_password is not None:
        raise Unprocessable("current_password is only needed together with new_password")
    await repository.save(session)
    return user


async def _change_password(
    session: AsyncSession,
    user: User,
    *,
    principal: Principal,
    revocations: Revocations,
    throttle: LoginThrottle,
    revocation_ttl_seconds: int,
    current_password: str,
    new_password: str,
) -> None:
    # Same throttle as login: a stolen access token must not become a password-guessing oracle.
    await throttle.check(user.email, None)
    valid, _ = await passwords.verify_password(current_password, user.password_hash)
    if not valid:
        await throttle.record_failure(user.email, None)
        raise WrongCurrentPassword()
    passwords.check_policy(new_password, user.email)
    user.password_hash = await passwords.hash_password(new_password)
    ended = await sessions.revoke_user_sessions(
        session,
        revocations,
        user.id,
        ttl_seconds=revocation_ttl_seconds,
        keep=uuid.UUID(principal.session_id),
    )
    log.info("password_changed", user_id=str(user.id), sessions_ended=len(ended))


def generate_password() -> str:
    """A random password that meets the policy (urlsafe base64 almost always has a letter and a digit)."""
    while True:
        candidate = secrets.token_urlsafe(18)
        if passwords.policy_violation(candidate, "") is None:
            return candidate


async def create_or_promote_admin(
    session: AsyncSession,
    *,
    revocations: Revocations,
    email: str,
    password: str,
    display_name: str | None,
) -> tuple[User, bool]:
    """Make `email` an active admin: promote the existing account or create one. Returns (user, created).

    An existing account keeps its password; `password` is used only for a new one.
    """
    email = normalise_email(email)
    user = await repository.get_by_email(session, email)
    if user is not None:
        user.role = Role.ADMIN.value
        if not user.is_active:
            await reactivate_user(session, revocations=revocations, user_id=user.id)
        log.info("admin_promoted", user_id=str(user.id))
        return user, False
    passwords.check_policy(password, email)
    user = User(
        email=email,
        display_name=display_name or email.split("@", 1)[0][:80],
        password_hash=await passwords.hash_password(password),
        role=Role.ADMIN.value,
    )
    await repository.add(session, user)
    log.info("admin_created", user_id=str(user.id))
    return user, True


async def deactivate_user(
    session: AsyncSession, *, revocations: Revocations, revocation_ttl_seconds: int, user_id: uuid.UUID
) -> User:
    """Sign the user out everywhere and refuse their tokens and logins until reactivated."""
    user = await repository.get(session, user_id)
    if user is None:
        raise UserNotFound()
    user.is_active = False
    await sessions.revoke_user_sessions(session, revocations, user.id, ttl_seconds=revocation_ttl_seconds)
    await revocations.block_user(user.id)
    log.info("user_deactivated", user_id=str(user.id))
    return user


async def reactivate_user(session: AsyncSession, *, revocations: Revocations, user_id: uuid.UUID) -> User:
    user = await repository.get(session, user_id)
    if user is None:
        raise UserNotFound()
    user.is_active = True
    user_id = user.id

    async def unblock() -> None:
        await revocations.unblock_user(user_id)

    # Unblocked only once the row says active, so a failed commit leaves the user locked out, not in.
    after_commit(session, unblock)
    log.info("user_reactivated", user_id=str(user.id))
    return user
