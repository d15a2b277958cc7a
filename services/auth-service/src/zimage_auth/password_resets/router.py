"""The public half of a password reset: the link's token and a new password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field
from zimage_common.db import SessionDep
from zimage_common.errors import Unprocessable, error_responses

from zimage_auth.deps import RevocationsDep, SettingsDep
from zimage_auth.password_resets import service
from zimage_auth.password_resets.service import InvalidResetToken
from zimage_auth.users.errors import AccountDisabled, WeakPassword
from zimage_auth.users.schemas import PasswordInput

router = APIRouter(tags=["auth"])


class PasswordResetRedeem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: Annotated[str, Field(min_length=20, max_length=200)]
    new_password: PasswordInput


@router.post(
    "/auth/password-reset",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="auth_password_reset",
    summary="Set a new password with a one-time link an administrator issued (ends every session)",
    responses=error_responses(InvalidResetToken, AccountDisabled, WeakPassword, Unprocessable),
)
async def redeem(
    body: PasswordResetRedeem, session: SessionDep, revocations: RevocationsDep, settings: SettingsDep
) -> None:
    await service.redeem(
        session,
        revocations=revocations,
        revocation_ttl_seconds=settings.revocation_ttl_seconds,
        token=body.token,
        new_password=body.new_password,
    )
