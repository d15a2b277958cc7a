"""Request and response bodies of the sign-in routes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StrictBool

from zimage_auth.users.schemas import PasswordInput

# Generous bound for a compact JWT; keeps absurd bodies away from the decoder.
TokenInput = Field(default=None, min_length=1, max_length=4096)


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: PasswordInput


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str | None = TokenInput


class LogoutRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str | None = TokenInput
    all: StrictBool = Field(False, description="End every session of the user, not only this one")


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int = Field(description="Seconds until the access token expires")
