from __future__ import annotations

import uuid

from pydantic import BaseModel, Field


class QuotaUpdate(BaseModel):
    images_per_day: int | None = Field(ge=1, le=100_000, description="Images per UTC day; null: the default")
    max_active_tasks: int | None = Field(
        ge=1, le=100, description="Tasks pending or running at once; null: the default"
    )


class QuotaOut(BaseModel):
    user_id: uuid.UUID
    images_per_day: int | None = Field(description="The override; null when the user has the default")
    max_active_tasks: int | None
    default_images_per_day: int
    default_max_active_tasks: int
    effective_images_per_day: int
    effective_max_active_tasks: int
    images_today: int
    active_tasks: int
