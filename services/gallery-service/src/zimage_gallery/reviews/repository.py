"""All SQL for the review flow: state changes, the thread, the queue."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from zimage_gallery.campaigns.models import Campaign, CampaignImage
from zimage_gallery.images.models import GalleryImage
from zimage_gallery.reviews.models import ImageComment


async def get_image(session: AsyncSession, image_id: uuid.UUID) -> GalleryImage | None:
    """Any user's image: the caller decides who may see it."""
    stmt = select(GalleryImage).where(GalleryImage.id == image_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def move(
    session: AsyncSession, image_id: uuid.UUID, from_states: Sequence[str], to_state: str, now: datetime
) -> bool:
    """Change the state only if it is still one of `from_states` (two reviewers deciding at once: one wins)."""
    stmt = (
        update(GalleryImage)
        .where(GalleryImage.id == image_id, GalleryImage.review_status.in_(list(from_states)))
        .values(review_status=to_state, review_updated_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(stmt)
    return int(getattr(result, "rowcount", 0)) == 1


async def add_comment(session: AsyncSession, comment: ImageComment) -> None:
    session.add(comment)
    await session.flush()


async def comments(
    session: AsyncSession, image_id: uuid.UUID, limit: int, after: tuple[datetime, uuid.UUID] | None
) -> Sequence[ImageComment]:
    stmt = select(ImageComment).where(ImageComment.image_id == image_id)
    if after is not None:
        cursor = tuple_(*after, types=[ImageComment.created_at.type, ImageComment.id.type])
        stmt = stmt.where(tuple_(ImageComment.created_at, ImageComment.id) > cursor)
    stmt = stmt.order_by(ImageComment.created_at, ImageComment.id).limit(limit)
    return (await session.execute(stmt)).scalars().all()


async def queue(
    session: AsyncSession, status: str, limit: int, after: tuple[datetime, uuid.UUID] | None
) -> Sequence[GalleryImage]:
    """Every user's images in `status`, longest waiting first."""
    since = func.coalesce(GalleryImage.review_updated_at, GalleryImage.created_at)
    stmt = select(GalleryImage).where(GalleryImage.review_status == status)
    if after is not None:
        stmt = stmt.where(
            tuple_(since, GalleryImage.id) > tuple_(*after, types=[GalleryImage.created_at.type, GalleryImage.id.type])
        )
    stmt = stmt.order_by(since, GalleryImage.id).limit(limit)
    return (await session.execute(stmt)).scalars().all()


async def campaigns_of(session: AsyncSession, image_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Campaign]]:
    out: dict[uuid.UUID, list[Campaign]] = {i: [] for i in image_ids}
    if not image_ids:
        return out
    stmt = (
        select(CampaignImage.image_id, Campaign)
        .join(Campaign, Campaign.id == CampaignImage.campaign_id)
        .where(CampaignImage.image_id.in_(list(image_ids)))
        .order_by(Campaign.name)
    )
    for image_id, campaign in (await session.execute(stmt)).all():
        out[image_id].append(campaign)
    return out
