"""Review: draft -> in_review -> approved | changes_requested (docs/marketing.md, "Review").

The owner submits and reopens; reviewers (role reviewer or admin) approve or request changes. Every transition is
an entry in the image's thread. Anyone else sees no image at all (404), as everywhere in the gallery.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.db import utcnow
from zimage_common.errors import Conflict, Forbidden, Unprocessable
from zimage_common.objects import ObjectStore
from zimage_common.tokens import Principal

from zimage_gallery.config import Settings
from zimage_gallery.images.models import GalleryImage
from zimage_gallery.images.pagination import decode_cursor, encode_cursor
from zimage_gallery.images.service import ImageNotFound
from zimage_gallery.reviews import repository as repo
from zimage_gallery.reviews.models import ImageComment
from zimage_gallery.reviews.schemas import (
    CampaignRef,
    CommentOut,
    ReviewAction,
    ReviewQueueItem,
    ReviewStatus,
)

OWNER, REVIEWER = "owner", "reviewer"


class InvalidReviewTransition(Conflict):
    code = "InvalidReviewTransition"


class NotYourDecision(Forbidden):
    code = "NotYourDecision"


class ReviewerRequired(Forbidden):
    code = "ReviewerRequired"


@dataclass(frozen=True)
class Transition:
    actor: str
    sources: frozenset[ReviewStatus]
    target: ReviewStatus


S = ReviewStatus
TRANSITIONS: dict[ReviewAction, Transition] = {
    ReviewAction.submit: Transition(OWNER, frozenset({S.draft, S.changes_requested}), S.in_review),
    ReviewAction.approve: Transition(REVIEWER, frozenset({S.in_review}), S.approved),
    ReviewAction.request_changes: Transition(REVIEWER, frozenset({S.in_review}), S.changes_requested),
    ReviewAction.reopen: Transition(OWNER, frozenset({S.in_review, S.approved, S.changes_requested}), S.draft),
}


def is_reviewer(principal: Principal) -> bool:
    """Reviewers decide on images: the `reviewer` role and administrators."""
    return principal.is_reviewer


def is_approved(image: GalleryImage) -> bool:
    """Only approved images leave without the DRAFT mark."""
    return image.review_status == ReviewStatus.approved


async def get_visible(session: AsyncSession, principal: Principal, image_id: uuid.UUID) -> GalleryImage:
    """The image for its owner and for reviewers; for anyone else it does not exist."""
    image = await repo.get_image(session, image_id)
    if image is None or (image.owner_id != principal.user_id and not is_reviewer(principal)):
        raise ImageNotFound("No such image")
    return image


def _role_of(principal: Principal, image: GalleryImage) -> str:
    return OWNER if image.owner_id == principal.user_id else REVIEWER


def comment_out(c: ImageComment) -> CommentOut:
    return CommentOut(
        id=c.id,
        image_id=c.image_id,
        author_id=c.author_id,
        author_role=c.author_role,
        body=c.body,
        action=ReviewAction(c.action) if c.action else None,
        created_at=c.created_at,
    )


async def act(
    session: AsyncSession, principal: Principal, image_id: uuid.UUID, action: ReviewAction, comment: str
) -> tuple[GalleryImage, ImageComment]:
    image = await get_visible(session, principal, image_id)
    transition = TRANSITIONS[action]
    if transition.actor == OWNER and image.owner_id != principal.user_id:
        raise NotYourDecision(f"Only the image's owner can {action.value.replace('_', ' ')}")
    if transition.actor == REVIEWER and not is_reviewer(principal):
        raise ReviewerRequired("Only reviewers (role reviewer or admin) decide on images")
    if action == ReviewAction.request_changes and not comment:
        raise Unprocessable("comment: say what should change")
    now = utcnow()
    if not await repo.move(session, image.id, [s.value for s in transition.sources], transition.target.value, now):
        await session.refresh(image)
        raise InvalidReviewTransition(
            f"Cannot {action.value.replace('_', ' ')} an image that is {image.review_status.replace('_', ' ')}"
        )
    await session.refresh(image)
    author_role = REVIEWER if transition.actor == REVIEWER else OWNER
    entry = ImageComment(
        id=uuid.uuid4(),
        image_id=image.id,
        author_id=principal.user_id,
        author_role=author_role,
        body=comment,
        action=action.value,
        created_at=now,
    )
    await repo.add_comment(session, entry)
    return image, entry


async def add_comment(session: AsyncSession, principal: Principal, image_id: uuid.UUID, body: str) -> ImageComment:
    image = await get_visible(session, principal, image_id)
    entry = ImageComment(
        id=uuid.uuid4(),
        image_id=image.id,
        author_id=principal.user_id,
        author_role=_role_of(principal, image),
        body=body,
        action=None,
        created_at=utcnow(),
    )
    await repo.add_comment(session, entry)
    return entry


async def thread(
    session: AsyncSession, principal: Principal, image_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[ImageComment], str | None]:
    image = await get_visible(session, principal, image_id)
    rows = list(await repo.comments(session, image.id, limit + 1, decode_cursor(cursor) if cursor else None))
    next_cursor = encode_cursor(rows[limit - 1].created_at, rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


async def queue(
    session: AsyncSession,
    store: ObjectStore,
    settings: Settings,
    principal: Principal,
    status: ReviewStatus,
    limit: int,
    cursor: str | None,
) -> tuple[list[ReviewQueueItem], str | None]:
    if not is_reviewer(principal):
        raise ReviewerRequired("The review queue is for reviewers (role reviewer or admin)")
    rows = list(await repo.queue(session, status.value, limit + 1, decode_cursor(cursor) if cursor else None))
    page = rows[:limit]
    campaigns = await repo.campaigns_of(session, [i.id for i in page])
    items = []
    for image in page:
        items.append(
            ReviewQueueItem(
                image_id=image.id,
                owner_id=image.owner_id,
                review_status=ReviewStatus(image.review_status),
                since=image.review_updated_at,
                thumbnail_url=await store.signed_url(image.thumb_key, settings.signed_url_seconds),
                url=await store.signed_url(image.png_key, settings.signed_url_seconds),
                width=image.width,
                height=image.height,
                prompt=image.prompt,
                campaigns=[CampaignRef(id=c.id, name=c.name) for c in campaigns.get(image.id, [])],
            )
        )
    last = page[-1] if len(rows) > limit else None
    next_cursor = encode_cursor(last.review_updated_at or last.created_at, last.id) if last else None
    return items, next_cursor
