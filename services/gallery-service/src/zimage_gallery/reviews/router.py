from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from zimage_common.auth import CurrentUser
from zimage_common.db import SessionDep
from zimage_common.errors import Unauthorized, Unprocessable, error_responses

from zimage_gallery.images.deps import SettingsDep, StoreDep
from zimage_gallery.images.pagination import InvalidCursor
from zimage_gallery.images.service import ImageNotFound
from zimage_gallery.reviews import service
from zimage_gallery.reviews.schemas import (
    CommentCreate,
    CommentOut,
    CommentPage,
    ReviewOut,
    ReviewQueuePage,
    ReviewRequest,
    ReviewStatus,
)

router = APIRouter(prefix="/api/v1", tags=["reviews"])


@router.post(
    "/gallery/images/{image_id}/review",
    operation_id="gallery_images_review",
    response_model=ReviewOut,
    responses=error_responses(
        Unauthorized,
        service.NotYourDecision,
        service.ReviewerRequired,
        ImageNotFound,
        service.InvalidReviewTransition,
        Unprocessable,
    ),
)
async def review(image_id: uuid.UUID, body: ReviewRequest, session: SessionDep, principal: CurrentUser) -> ReviewOut:
    """Move the image through review: the owner submits (draft or changes requested → in review) and reopens
    (→ draft); reviewers approve or request changes (with a comment). A move its state does not allow answers
    409 InvalidReviewTransition. Each move is an entry in the thread."""
    image, entry = await service.act(session, principal, image_id, body.action, body.comment)
    return ReviewOut(
        image_id=image.id,
        review_status=ReviewStatus(image.review_status),
        review_updated_at=image.review_updated_at,
        comment=service.comment_out(entry),
    )


@router.get(
    "/gallery/images/{image_id}/comments",
    operation_id="gallery_images_comments_list",
    response_model=CommentPage,
    responses=error_responses(Unauthorized, ImageNotFound, InvalidCursor),
)
async def list_comments(
    image_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> CommentPage:
    """The image's review thread, oldest first: comments and the transitions (for its owner and reviewers)."""
    rows, next_cursor = await service.thread(session, principal, image_id, limit, cursor)
    return CommentPage(items=[service.comment_out(c) for c in rows], next_cursor=next_cursor)


@router.post(
    "/gallery/images/{image_id}/comments",
    status_code=201,
    operation_id="gallery_images_comments_create",
    response_model=CommentOut,
    responses=error_responses(Unauthorized, ImageNotFound),
)
async def add_comment(
    image_id: uuid.UUID, body: CommentCreate, session: SessionDep, principal: CurrentUser
) -> CommentOut:
    return service.comment_out(await service.add_comment(session, principal, image_id, body.body))


@router.get(
    "/reviews",
    operation_id="reviews_queue",
    response_model=ReviewQueuePage,
    responses=error_responses(Unauthorized, service.ReviewerRequired, InvalidCursor),
)
async def review_queue(
    session: SessionDep,
    principal: CurrentUser,
    settings: SettingsDep,
    store: StoreDep,
    status: ReviewStatus = ReviewStatus.in_review,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> ReviewQueuePage:
    """Reviewers: the team's images in one review state (in review by default), longest waiting first."""
    items, next_cursor = await service.queue(session, store, settings, principal, status, limit, cursor)
    return ReviewQueuePage(items=items, next_cursor=next_cursor)
