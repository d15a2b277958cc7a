from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

MAX_COMMENT = 2000

CommentText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_COMMENT)]


class ReviewStatus(StrEnum):
    draft = "draft"
    in_review = "in_review"
    approved = "approved"
    changes_requested = "changes_requested"


class ReviewAction(StrEnum):
    submit = "submit"  # owner: draft | changes_requested -> in_review
    approve = "approve"  # reviewer: in_review -> approved
    request_changes = "request_changes"  # reviewer: in_review -> changes_requested (a comment says what)
    reopen = "reopen"  # owner: in_review | approved | changes_requested -> draft


class ReviewRequest(BaseModel):
    action: ReviewAction
    comment: CommentText = Field("", description="Kept in the thread with the transition; required to request changes")


class CommentCreate(BaseModel):
    body: Annotated[CommentText, StringConstraints(min_length=1)]


class CommentOut(BaseModel):
    id: uuid.UUID
    image_id: uuid.UUID
    author_id: uuid.UUID
    author_role: str = Field(description="owner or reviewer: as whom the author wrote")
    body: str
    action: ReviewAction | None = Field(description="The transition this entry records; null for a plain comment")
    created_at: datetime


class CommentPage(BaseModel):
    items: list[CommentOut] = Field(description="Oldest first")
    next_cursor: str | None


class ReviewOut(BaseModel):
    image_id: uuid.UUID
    review_status: ReviewStatus
    review_updated_at: datetime | None
    comment: CommentOut = Field(description="The thread entry this transition wrote")


class CampaignRef(BaseModel):
    id: uuid.UUID
    name: str


class ReviewQueueItem(BaseModel):
    """Only what a reviewer needs to decide: the queue is the one place anyone reads another user's images."""

    image_id: uuid.UUID
    owner_id: uuid.UUID
    review_status: ReviewStatus
    since: datetime | None = Field(description="When the image entered this state")
    thumbnail_url: str = Field(description="Signed URL of the WebP thumbnail, valid for at most 5 minutes")
    url: str = Field(description="Signed URL of the PNG, valid for at most 5 minutes")
    width: int
    height: int
    prompt: str
    campaigns: list[CampaignRef] = Field(description="The owner's campaigns the image is in")


class ReviewQueuePage(BaseModel):
    items: list[ReviewQueueItem] = Field(description="Longest waiting first")
    next_cursor: str | None
