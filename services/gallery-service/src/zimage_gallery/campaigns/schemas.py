from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, model_validator
from zimage_common.sizes import PRESETS_BY_ID

MAX_CHANNELS = len(PRESETS_BY_ID)


def _known_channels(channels: list[str]) -> list[str]:
    unknown = [c for c in channels if c not in PRESETS_BY_ID]
    if unknown:
        raise ValueError(f"unknown size preset {unknown[0]!r}; choose from: {', '.join(PRESETS_BY_ID)}")
    return list(dict.fromkeys(channels))


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Channels = Annotated[
    list[Annotated[str, StringConstraints(max_length=64)]],
    Field(min_length=1, max_length=MAX_CHANNELS, description="Size preset ids (GET /size-presets)"),
    AfterValidator(_known_channels),
]
Notes = Annotated[str, StringConstraints(max_length=4000)]


def _dates_in_order(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise ValueError("ends_on is before starts_on")


class CampaignCreate(BaseModel):
    name: Name
    starts_on: date | None = None
    ends_on: date | None = None
    channels: Channels
    brand_kit_id: uuid.UUID | None = None
    notes: Notes | None = None

    @model_validator(mode="after")
    def _dates(self) -> Self:
        _dates_in_order(self.starts_on, self.ends_on)
        return self


class CampaignPatch(BaseModel):
    """Only the fields sent change; null clears dates, the kit and notes."""

    name: Name | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    channels: Channels | None = None
    brand_kit_id: uuid.UUID | None = None
    notes: Notes | None = None


class CampaignOut(BaseModel):
    id: uuid.UUID
    owner_id: uuid.UUID
    name: str
    starts_on: date | None
    ends_on: date | None
    channels: list[str]
    brand_kit_id: uuid.UUID | None
    notes: str | None
    image_ids: list[uuid.UUID] = Field(description="Attached images, most recently attached first")
    created_at: datetime
    updated_at: datetime


class CampaignPage(BaseModel):
    items: list[CampaignOut]
    next_cursor: str | None


CampaignScope = Literal["mine", "all"]
