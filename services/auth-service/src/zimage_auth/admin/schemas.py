"""Bodies of the admin user routes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, StrictBool

from zimage_auth.users.models import Role
from zimage_auth.users.schemas import UserOut


class UserSort(StrEnum):
    email = "email"
    display_name = "display_name"
    role = "role"
    is_active = "is_active"
    created_at = "created_at"
    last_login_at = "last_login_at"
    images_this_month = "images_this_month"


class SortOrder(StrEnum):
    asc = "asc"
    desc = "desc"


class AdminUserOut(UserOut):
    images_this_month: int


class AdminUserPage(BaseModel):
    items: list[AdminUserOut]
    next_cursor: str | None
    total: int


class AdminUserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    is_active: StrictBool | None = None  # 0 and "false" are refused, not read as booleans


class PasswordResetLink(BaseModel):
    """Shown once to the admin, who hands it to the user; only its hash is stored."""

    token: str
    reset_url: str
    expires_at: datetime
