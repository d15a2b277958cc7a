"""All SQL for campaigns and the images attached to them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from zimage_gallery.campaigns.models import Campaign, CampaignImage


async def get(session: AsyncSession, campaign_id: uuid.UUID) -> Campaign | None:
    return await session.get(Campaign, campaign_id)


async def list_campaigns(
    session: AsyncSession, owner_id: uuid.UUID | None, limit: int, after: tuple[datetime, uuid.UUID] | None
) -> Sequence[Campaign]:
    """Newest first; `owner_id` None: everyone's (reviewers)."""
    stmt = select(Campaign)
    if owner_id is not None:
        stmt = stmt.where(Campaign.owner_id == owner_id)
    if after is not None:
        cursor = tuple_(*after, types=[Campaign.created_at.type, Campaign.id.type])
        stmt = stmt.where(tuple_(Campaign.created_at, Campaign.id) < cursor)
    stmt = stmt.order_by(Campaign.created_at.desc(), Campaign.id.desc()).limit(limit)
    return (await session.execute(stmt)).scalars().all()


async def add(session: AsyncSession, campaign: Campaign) -> None:
    session.add(campaign)
    await session.flush()


async def remove(session: AsyncSession, campaign: Campaign) -> None:
    await session.execute(delete(CampaignImage).where(CampaignImage.campaign_id == campaign.id))
    await session.delete(campaign)
    await session.flush()


async def image_ids(session: AsyncSession, campaign_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    out: dict[uuid.UUID, list[uuid.UUID]] = {c: [] for c in campaign_ids}
    if not campaign_ids:
        return out
    stmt = (
        select(CampaignImage.campaign_id, CampaignImage.image_id)
        .where(CampaignImage.campaign_id.in_(list(campaign_ids)))
        .order_by(CampaignImage.added_at.desc(), CampaignImage.image_id)
    )
    for campaign_id, image_id in (await session.execute(stmt)).all():
        out[campaign_id].append(image_id)
    return out


async def attach(session: AsyncSession, link: CampaignImage) -> None:
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = {c.key: getattr(link, c.key) for c in CampaignImage.__table__.columns}
    await session.execute(insert(CampaignImage).values(values).on_conflict_do_nothing())


async def detach(session: AsyncSession, campaign_id: uuid.UUID, image_id: uuid.UUID) -> None:
    await session.execute(
        delete(CampaignImage).where(CampaignImage.campaign_id == campaign_id, CampaignImage.image_id == image_id)
    )


async def is_attached(session: AsyncSession, campaign_id: uuid.UUID, image_id: uuid.UUID) -> bool:
    stmt = select(CampaignImage.image_id).where(
        CampaignImage.campaign_id == campaign_id, CampaignImage.image_id == image_id
    )
    return (await session.execute(stmt)).first() is not None
