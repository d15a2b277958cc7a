"""Account routes: registration and the caller's own profile."""

from __future__ import annotations

from fastapi import APIRouter, status
from zimage_common.auth import CurrentUser
from zimage_common.db import SessionDep
from zimage_common.errors import TooManyRequests, Unauthorized, Unprocessable, error_responses

from zimage_auth.deps import RevocationsDep, ThrottleDep, TokensDep
from zimage_auth.users import service
from zimage_auth.users.errors import AccountDisabled, EmailTaken, WeakPassword, WrongCurrentPassword
from zimage_auth.users.schemas import RegisterRequest, UserOut, UserUpdate

router = APIRouter()


@router.post(
    "/auth/register",
    status_code=status.HTTP_201_CREATED,
    operation_id="auth_register",
    tags=["auth"],
    summary="Create an account (does not sign in)",
    responses=error_responses(EmailTaken, WeakPassword, Unprocessable),
)
async def register(body: RegisterRequest, session: SessionDep) -> UserOut:
    user = await service.register(session, email=body.email, password=body.password, display_name=body.display_name)
    return UserOut.model_validate(user)


@router.get(
    "/users/me",
    operation_id="users_me_get",
    tags=["users"],
    responses=error_responses(Unauthorized, AccountDisabled),
)
async def get_me(principal: CurrentUser, session: SessionDep) -> UserOut:
    return UserOut.model_validate(await service.get_active(session, principal.user_id))


@router.patch(
    "/users/me",
    operation_id="users_me_update",
    tags=["users"],
    summary="Change display name and/or password (a new password ends every other session)",
    responses=error_responses(
        Unauthorized, AccountDisabled, WrongCurrentPassword, Unprocessable, WeakPassword, TooManyRequests
    ),
)
async def update_me(
    body: UserUpdate,
    principal: CurrentUser,
    session: SessionDep,
    revocations: RevocationsDep,
    throttle: ThrottleDep,
    tokens: TokensDep,
) -> UserOut:
    user = await service.update_me(
        session,
        principal=principal,
        revocations=revocations,
        throttle=throttle,
        revocation_ttl_seconds=tokens.revocation_ttl_seconds,
        display_name=body.display_name,
        current_password=body.current_password,
        new_password=body.new_password,
    )
    return UserOut.model_validate(user)
