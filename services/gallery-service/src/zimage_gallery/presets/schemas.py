from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field, StringConstraints, model_validator

from zimage_gallery.presets.models import PresetCategory, PresetScope

MAX_SNIPPET = 300


def _one_line(value: object) -> object:
    return " ".join(value.split()) if isinstance(value, str) else value


Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Snippet = Annotated[
    str,
    BeforeValidator(_one_line),
    StringConstraints(min_length=1, max_length=MAX_SNIPPET),
    Field(description="Text appended to a prompt, e.g. 'soft golden hour light'"),
]


class PresetCreate(BaseModel):
    scope: Literal["personal", "shared"] = Field("personal", description="shared: administrators only")
    category: PresetCategory
    label_ko: Label | None = Field(None, description="At least one of label_ko and label_en; the other copies it")
    label_en: Label | None = None
    snippet: Snippet

    @model_validator(mode="after")
    def _one_label_at_least(self) -> PresetCreate:
        if not self.label_ko and not self.label_en:
            raise ValueError("give label_ko or label_en (or both)")
        self.label_ko = self.label_ko or self.label_en
        self.label_en = self.label_en or self.label_ko
        return self


class PresetUpdate(BaseModel):
    category: PresetCategory | None = None
    label_ko: Label | None = None
    label_en: Label | None = None
    snippet: Snippet | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> PresetUpdate:
        nulls = sorted(name for name in self.model_fields_set if getattr(self, name) is None)
        if nulls:
            raise ValueError(f"these fields cannot be null: {', '.join(nulls)}")
        return self


class PresetOut(BaseModel):
    id: uuid.UUID
    owner_id: uuid.UUID | None = Field(description="null for built-in and shared presets")
    scope: PresetScope
    category: PresetCategory
    label_ko: str
    label_en: str
    snippet: str
    editable: bool = Field(description="Whether the caller may change or delete it")
    created_at: datetime
    updated_at: datetime


class PresetPage(BaseModel):
    items: list[PresetOut]
    next_cursor: str | None
