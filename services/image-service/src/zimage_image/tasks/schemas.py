from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator
from zimage_common.sizes import MAX_PIXELS, MAX_SIDE, MIN_SIDE, MULTIPLE, PRESETS_BY_ID

MAX_SEED = 2**32 - 1
DEFAULT_PRESET = "square_1024"


class GenerateRequest(BaseModel):
    prompt: str | None = Field(
        None,
        min_length=1,
        max_length=2000,
        description="What to draw, Korean or English; optional with template_id (then appended to the template)",
    )
    negative_prompt: str | None = Field(
        None, max_length=2000, description="Stored, but ignored by Z-Image-Turbo at guidance 0"
    )
    preset: str | None = Field(None, description="A size preset id from GET /size-presets (exact output pixels)")
    width: int | None = Field(None, description=f"Multiple of {MULTIPLE}, {MIN_SIDE}–{MAX_SIDE}")
    height: int | None = Field(None, description=f"Multiple of {MULTIPLE}, {MIN_SIDE}–{MAX_SIDE}")
    num_images: int = Field(1, ge=1, le=4)
    seed: int | None = Field(None, ge=0, le=MAX_SEED, description="Image i uses seed + i; random when absent")
    template_id: uuid.UUID | None = None
    template_vars: dict[str, str] | None = Field(None, max_length=20)
    brand_kit_id: uuid.UUID | None = Field(
        None, description="A brand kit (GET /brand-kits): its avoid words are removed and style words appended"
    )

    @field_validator("prompt")
    @classmethod
    def _prompt_not_blank(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not value:
            raise ValueError("prompt must not be blank")
        return value

    @field_validator("width", "height")
    @classmethod
    def _side(cls, value: int | None) -> int | None:
        if value is None:
            return value
        if not MIN_SIDE <= value <= MAX_SIDE:
            raise ValueError(f"must be between {MIN_SIDE} and {MAX_SIDE}")
        if value % MULTIPLE:
            raise ValueError(f"must be a multiple of {MULTIPLE} (or choose a preset for exact channel sizes)")
        return value

    @field_validator("preset")
    @classmethod
    def _known_preset(cls, value: str | None) -> str | None:
        if value is not None and value not in PRESETS_BY_ID:
            raise ValueError(f"unknown preset; choose one of: {', '.join(PRESETS_BY_ID)}")
        return value

    @model_validator(mode="after")
    def _one_size_source(self) -> GenerateRequest:
        if self.preset and (self.width or self.height):
            raise ValueError("give either preset or width/height, not both")
        if (self.width is None) != (self.height is None):
            raise ValueError("width and height go together")
        if self.width and self.height and self.width * self.height > MAX_PIXELS:
            raise ValueError("width × height must be at most 4 megapixels")
        if self.prompt is None and self.template_id is None:
            raise ValueError("prompt is required (or give template_id)")
        if self.template_vars and self.template_id is None:
            raise ValueError("template_vars need template_id")
        return self


class BrandGuidance(BaseModel):
    """What a brand kit did to the prompt at submit."""

    brand_kit_name: str
    style_words_added: list[str]
    avoid_words_removed: list[str]
    prompt_before: str = Field(description="The prompt before the kit's guidance (after any template)")


class TaskImageOut(BaseModel):
    id: uuid.UUID
    index: int
    url: str
    thumbnail_url: str
    width: int
    height: int
    seed: int


class Progress(BaseModel):
    step: int
    total: int


class TaskOut(BaseModel):
    id: uuid.UUID
    status: Literal["pending", "processing", "completed", "failed", "canceled"]
    prompt: str
    negative_prompt: str | None
    negative_prompt_ignored: bool = Field(description="True while the engine runs without guidance")
    preset: str | None
    width: int = Field(description="Exact output width")
    height: int = Field(description="Exact output height")
    generation_width: int
    generation_height: int
    num_images: int
    seed: int
    steps: int
    guidance_scale: float
    template_id: uuid.UUID | None
    brand_kit_id: uuid.UUID | None = None
    brand_guidance: BrandGuidance | None = None
    engine: str | None = Field(description="Engine that ran the task, e.g. 'zimage-turbo' or 'tiny (demo)'")
    model: str | None
    attempts: int
    cancel_requested: bool = Field(description="Cancel asked while running; stops at the next step")
    error: str | None
    progress: Progress
    queue_position: int | None = None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    queue_wait_seconds: float | None
    gpu_seconds: float | None
    images: list[TaskImageOut]


class TaskPage(BaseModel):
    items: list[TaskOut]
    next_cursor: str | None


class SizePresetOut(BaseModel):
    id: str
    name_ko: str
    name_en: str
    channel: str = Field(description="general, instagram, facebook, x, youtube, naver, kakao")
    width: int = Field(description="Exact output width")
    height: int = Field(description="Exact output height")
    aspect: str = Field(description="Reduced ratio, e.g. 16:9")
    generation_width: int = Field(description="Width the model runs at (a multiple of 16)")
    generation_height: int


class SizePresetPage(BaseModel):
    items: list[SizePresetOut]
    next_cursor: str | None


class UsageOut(BaseModel):
    images_today: int = Field(description="Images requested since this UTC day began (failed and canceled not counted)")
    images_per_day: int = Field(description="Daily image limit for this user")
    active_tasks: int = Field(description="Tasks waiting or running now")
    max_active_tasks: int
    resets_at: datetime = Field(description="When the daily count starts again (next UTC midnight)")
