"""Campaigns: one owner's images grouped for a launch, and the fan-out of one image to every channel."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.db import utcnow
from zimage_common.errors import Forbidden, NotFound, Unprocessable
from zimage_common.objects import ObjectStore
from zimage_common.sizes import PRESETS_BY_ID
from zimage_common.tokens import Principal
from zipstream import ZIP_STORED, ZipStream

from zimage_gallery.brand_kits.models import BrandKit
from zimage_gallery.campaigns import repository as repo
from zimage_gallery.campaigns.models import Campaign, CampaignImage
from zimage_gallery.campaigns.schemas import CampaignCreate, CampaignOut, CampaignPatch, CampaignScope
from zimage_gallery.exports import service as exports
from zimage_gallery.image_overlays import service as overlays
from zimage_gallery.images import service as images
from zimage_gallery.images.pagination import decode_cursor, encode_cursor
from zimage_gallery.provenance.c2pa_signing import ManifestSigner
from zimage_gallery.reviews.service import ReviewerRequired, is_reviewer


class CampaignNotFound(NotFound):
    code = "CampaignNotFound"


class NotCampaignOwner(Forbidden):
    code = "NotCampaignOwner"


class UnknownBrandKit(Unprocessable):
    code = "UnknownBrandKit"


class ImageNotInCampaign(Unprocessable):
    code = "ImageNotInCampaign"


async def _check_kit(session: AsyncSession, kit_id: uuid.UUID | None) -> None:
    if kit_id is not None and await session.get(BrandKit, kit_id) is None:
        raise UnknownBrandKit("brand_kit_id: no such brand kit")


async def get_readable(session: AsyncSession, principal: Principal, campaign_id: uuid.UUID) -> Campaign:
    """The owner's, and every campaign for reviewers; for anyone else it does not exist."""
    campaign = await repo.get(session, campaign_id)
    if campaign is None or (campaign.owner_id != principal.user_id and not is_reviewer(principal)):
        raise CampaignNotFound("No such campaign")
    return campaign


async def get_own(session: AsyncSession, principal: Principal, campaign_id: uuid.UUID) -> Campaign:
    campaign = await get_readable(session, principal, campaign_id)
    if campaign.owner_id != principal.user_id:
        raise NotCampaignOwner("Only the campaign's owner changes it or exports from it")
    return campaign


async def to_out(session: AsyncSession, campaigns: list[Campaign]) -> list[CampaignOut]:
    attached = await repo.image_ids(session, [c.id for c in campaigns])
    return [
        CampaignOut(
            id=c.id,
            owner_id=c.owner_id,
            name=c.name,
            starts_on=c.starts_on,
            ends_on=c.ends_on,
            channels=list(c.channels),
            brand_kit_id=c.brand_kit_id,
            notes=c.notes,
            image_ids=attached.get(c.id, []),
            created_at=c.created_at,
            updated_at=c.updated_at,
        )
        for c in campaigns
    ]


async def list_visible(
    session: AsyncSession, principal: Principal, scope: CampaignScope, limit: int, cursor: str | None
) -> tuple[list[Campaign], str | None]:
    if scope == "all" and not is_reviewer(principal):
        raise ReviewerRequired("Only reviewers list everyone's campaigns")
    owner = None if scope == "all" else principal.user_id
    rows = list(await repo.list_campaigns(session, owner, limit + 1, decode_cursor(cursor) if cursor else None))
    next_cursor = encode_cursor(rows[limit - 1].created_at, rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


async def create(session: AsyncSession, principal: Principal, body: CampaignCreate) -> Campaign:
    await _check_kit(session, body.brand_kit_id)
    now = utcnow()
    campaign = Campaign(
        id=uuid.uuid4(),
        owner_id=principal.user_id,
        name=body.name,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        channels=body.channels,
        brand_kit_id=body.brand_kit_id,
        notes=body.notes,
        created_at=now,
        updated_at=now,
    )
    await repo.add(session, campaign)
    return campaign


async def patch(session: AsyncSession, principal: Principal, campaign_id: uuid.UUID, body: CampaignPatch) -> Campaign:
    campaign = await get_own(session, principal, campaign_id)
    fields = body.model_fields_set
    if "name" in fields:
        if body.name is None:
            raise Unprocessable("name: cannot be null")
        campaign.name = body.name
    if "channels" in fields:
        if body.channels is None:
            raise Unprocessable("channels: cannot be null")
        campaign.channels = body.channels
    if "brand_kit_id" in fields:
        await _check_kit(session, body.brand_kit_id)
        campaign.brand_kit_id = body.brand_kit_id
    for name in ("starts_on", "ends_on", "notes"):
        if name in fields:
            setattr(campaign, name, getattr(body, name))
    if campaign.starts_on and campaign.ends_on and campaign.ends_on < campaign.starts_on:
        raise Unprocessable("ends_on is before starts_on")
    campaign.updated_at = utcnow()
    await session.flush()
    return campaign


async def delete(session: AsyncSession, principal: Principal, campaign_id: uuid.UUID) -> None:
    """The campaign and its links; the images stay."""
    await repo.remove(session, await get_own(session, principal, campaign_id))


async def attach(session: AsyncSession, principal: Principal, campaign_id: uuid.UUID, image_id: uuid.UUID) -> None:
    campaign = await get_own(session, principal, campaign_id)
    image = await images.get_own(session, principal.user_id, image_id)
    link = CampaignImage(campaign_id=campaign.id, image_id=image.id, owner_id=campaign.owner_id, added_at=utcnow())
    await repo.attach(session, link)
    campaign.updated_at = utcnow()


async def detach(session: AsyncSession, principal: Principal, campaign_id: uuid.UUID, image_id: uuid.UUID) -> None:
    campaign = await get_own(session, principal, campaign_id)
    await repo.detach(session, campaign.id, image_id)
    campaign.updated_at = utcnow()


# ---- fan-out ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FanOut:
    zip_name: str
    files: list[tuple[str, int, int, str]]  # (name in the ZIP, width, height, preset id)
    original: bytes
    finishes: dict[str, exports.Finish]


def entry_name(campaign_slug: str, preset_id: str, width: int, height: int) -> str:
    return f"{campaign_slug}_{preset_id}_{width}x{height}.png"


async def fan_out(
    session: AsyncSession,
    store: ObjectStore,
    signer: ManifestSigner | None,
    principal: Principal,
    campaign_id: uuid.UUID,
    image_id: uuid.UUID,
) -> FanOut:
    """Everything checked and loaded before the first byte goes out: the ZIP itself renders as it streams."""
    campaign = await get_own(session, principal, campaign_id)
    image = await images.get_own(session, principal.user_id, image_id)
    if not await repo.is_attached(session, campaign.id, image.id):
        raise ImageNotInCampaign("Attach the image to the campaign first (PUT /campaigns/{id}/images/{image_id})")
    overlay = await overlays.stored_assets(session, store, image)
    original = await exports.load_original(store, image)
    slug = images.prompt_slug(campaign.name)
    files, finishes = [], {}
    for preset_id in campaign.channels:
        preset = PRESETS_BY_ID.get(preset_id)
        if preset is None:  # a preset retired since the campaign was saved
            continue
        name = entry_name(slug, preset.id, preset.width, preset.height)
        files.append((name, preset.width, preset.height, preset.id))
        finishes[preset.id] = exports.finish_for(image, preset.id, signer, name, overlay)
    return FanOut(f"{slug}_{image.id.hex[:8]}.zip", files, original, finishes)


async def zip_stream(job: FanOut) -> AsyncIterator[bytes]:
    """One channel rendered at a time, each written out before the next is drawn."""
    archive = ZipStream(compress_type=ZIP_STORED)
    for name, width, height, preset_id in job.files:
        data = await asyncio.to_thread(
            exports.render,
            job.original,
            width,
            height,
            exports.ExportFormat.png,
            exports.LOSSLESS_QUALITY,
            job.finishes[preset_id],
        )
        archive.add(data, name)
        for chunk in archive.all_files():
            yield chunk
    for chunk in archive.footer():
        yield chunk
