"""Bodies of the audit routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditEntryIn(BaseModel):
    """What another service posts for one admin action (internal route)."""

    model_config = ConfigDict(extra="forbid")

    actor_id: uuid.UUID
    action: str = Field(min_length=3, max_length=64, pattern=r"^[a-z_]+\.[a-z_]+$")
    target_type: str = Field(min_length=1, max_length=32)
    target_id: str | None = Field(None, max_length=64)
    ip: str | None = Field(None, max_length=64)
    service: str = Field(min_length=1, max_length=32)
    detail: dict[str, Any] = Field(default_factory=dict)


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    at: datetime
    actor_id: uuid.UUID
    actor_email: str
    action: str
    target_type: str
    target_id: str | None
    detail: dict[str, Any]
    ip: str | None
    service: str


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str | None
