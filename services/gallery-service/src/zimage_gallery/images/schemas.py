from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field

from zimage_gallery.reviews.schemas import ReviewStatus
from zimage_gallery.tags.schemas import TagName, TagRef

MAX_NOTE = 2000
MAX_SELECTION = 500  # images one bulk action or ZIP may name


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UTCTime = Annotated[datetime, AfterValidator(_utc)]


class ImageOut(BaseModel):
    id: uuid.UUID
    task_id: uuid.UUID
    index: int
    url: str = Field(description="Signed URL of the PNG, valid for at most 5 minutes")
    thumbnail_url: str = Field(description="Signed URL of the WebP thumbnail, valid for at most 5 minutes")
    width: int = Field(description="Exact output width")
    height: int = Field(description="Exact output height")
    generation_width: int
    generation_height: int
    png_bytes: int
    preset: str | None
    prompt: str
    negative_prompt: str | None
    seed: int
    steps: int
    guidance_scale: float
    model: str | None
    engine: str | None
    template_id: uuid.UUID | None
    brand_kit_id: uuid.UUID | None = Field(None, description="The brand kit the generation named")
    brand_guidance: dict[str, Any] | None = Field(
        None,
        description="What the kit did to the prompt: brand_kit_name, style_words_added, avoid_words_removed, "
        "prompt_before",
    )
    created_at: datetime
    favorite: bool
    note: str | None
    review_status: ReviewStatus = Field(
        description="draft | in_review | approved | changes_requested: only approved "
        "images export without the DRAFT mark"
    )
    review_updated_at: datetime | None
    folder_id: uuid.UUID | None
    tags: list[TagRef]
    original_missing: bool = Field(description="The reconciler found no stored original for this record")


class ImagePage(BaseModel):
    items: list[ImageOut]
    next_cursor: str | None


class ImagePatch(BaseModel):
    """Only the fields sent change. `note: null` clears the note, `folder_id: null` takes the image out of its
    folder, `tags` replaces the image's tags (created on first use)."""

    note: str | None = Field(None, max_length=MAX_NOTE)
    favorite: bool = False
    folder_id: uuid.UUID | None = None
    tags: list[TagName] = Field(default_factory=list, max_length=50)


class FolderCount(BaseModel):
    id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    count: int = Field(description="Images directly in this folder")
    total_count: int = Field(description="Images in this folder and its subfolders (what filtering on it lists)")


class TagCount(BaseModel):
    id: uuid.UUID
    name: str
    count: int


class ReviewCounts(BaseModel):
    draft: int
    in_review: int
    approved: int
    changes_requested: int


class Sidebar(BaseModel):
    total: int
    favorites: int
    unfiled: int
    review: ReviewCounts
    folders: list[FolderCount] = Field(description="Every folder of yours, with its image counts")
    tags: list[TagCount] = Field(description="Every tag of yours, with its images")


Selection = Annotated[list[uuid.UUID], Field(min_length=1, max_length=MAX_SELECTION)]


class BulkMove(BaseModel):
    action: Literal["move"]
    ids: Selection
    folder_id: uuid.UUID | None = Field(description="Target folder; null takes the images out of their folders")


class BulkTags(BaseModel):
    action: Literal["add_tags", "remove_tags"]
    ids: Selection
    tags: list[TagName] = Field(min_length=1, max_length=50)


class BulkFavorite(BaseModel):
    action: Literal["favorite"]
    ids: Selection
    favorite: bool


class BulkDelete(BaseModel):
    action: Literal["delete"]
    ids: Selection


BulkRequest = Annotated[BulkMove | BulkTags | BulkFavorite | BulkDelete, Field(discriminator="action")]


class BulkResult(BaseModel):
    action: str
    count: int = Field(description="Images the action applied to (all of those named)")


class ZipRequest(BaseModel):
    ids: Selection


class IngestImage(BaseModel):
    id: uuid.UUID
    owner_id: uuid.UUID
    task_id: uuid.UUID
    index: int = Field(ge=0, le=1000)
    png_key: str = Field(max_length=512)
    thumb_key: str = Field(max_length=512)
    png_bytes: int = Field(0, ge=0)
    width: int = Field(ge=1, le=16384)
    height: int = Field(ge=1, le=16384)
    generation_width: int = Field(ge=1, le=16384)
    generation_height: int = Field(ge=1, le=16384)
    preset: str | None = Field(None, max_length=64)
    prompt: str = Field(max_length=10000)
    negative_prompt: str | None = Field(None, max_length=10000)
    seed: int = Field(ge=0, le=2**63 - 1)
    steps: int = Field(ge=0, le=1000)
    guidance_scale: float
    model: str | None = Field(None, max_length=200)
    engine: str | None = Field(None, max_length=64)
    template_id: uuid.UUID | None = None
    brand_kit_id: uuid.UUID | None = None
    brand_guidance: dict[str, Any] | None = None
    created_at: UTCTime


class IngestRequest(BaseModel):
    images: list[IngestImage] = Field(max_length=100)


class IngestResult(BaseModel):
    ingested: int
    created: int
    skipped: int = Field(description="Images the user has deleted; a re-delivery does not bring them back")
