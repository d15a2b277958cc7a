"""Request and response bodies of the account routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from zimage_auth.users.models import DISPLAY_NAME_MAX_LENGTH, Role

DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=DISPLAY_NAME_MAX_LENGTH)]
# Long enough for any policy-conforming password, short enough to bound hashing work; the policy
# gives the readable reason for the 10-128 rule.
PasswordInput = Annotated[str, Field(min_length=1, max_length=1024)]


class RegisterRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: PasswordInput
    display_name: DisplayName


class UserUpdate(BaseModel):
    """Fields a user may change on their own account; a new password needs the current one."""

    model_config = ConfigDict(extra="forbid")

    display_name: DisplayName | None = None
    current_password: PasswordInput | None = None
    new_password: PasswordInput | None = None


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    display_name: str
    role: Role
    is_active: bool
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None
