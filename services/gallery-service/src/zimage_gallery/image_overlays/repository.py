"""All SQL for overlay specs and the brand-kit files they name."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.db import utcnow

from zimage_gallery.brand_kits.models import BrandKit, BrandKitFont, BrandKitLogo
from zimage_gallery.image_overlays.models import ImageOverlay


async def get(session: AsyncSession, image_id: uuid.UUID) -> ImageOverlay | None:
    return await session.get(ImageOverlay, image_id)


async def put(session: AsyncSession, image_id: uuid.UUID, owner_id: uuid.UUID, spec: dict[str, Any]) -> ImageOverlay:
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = {"image_id": image_id, "owner_id": owner_id, "spec": spec, "updated_at": utcnow()}
    stmt = (
        insert(ImageOverlay)
        .values(values)
        .on_conflict_do_update(index_elements=["image_id"], set_={"spec": spec, "updated_at": values["updated_at"]})
    )
    await session.execute(stmt)
    row = await session.get(ImageOverlay, image_id, populate_existing=True)
    assert row is not None
    return row


async def remove(session: AsyncSession, image_ids: list[uuid.UUID]) -> int:
    if not image_ids:
        return 0
    result = await session.execute(delete(ImageOverlay).where(ImageOverlay.image_id.in_(image_ids)))
    return int(getattr(result, "rowcount", 0))


async def kit(session: AsyncSession, kit_id: uuid.UUID) -> BrandKit | None:
    return await session.get(BrandKit, kit_id)


async def font(session: AsyncSession, kit_id: uuid.UUID, font_id: uuid.UUID) -> BrandKitFont | None:
    stmt = select(BrandKitFont).where(BrandKitFont.id == font_id, BrandKitFont.kit_id == kit_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def logo(session: AsyncSession, kit_id: uuid.UUID, logo_id: uuid.UUID) -> BrandKitLogo | None:
    stmt = select(BrandKitLogo).where(BrandKitLogo.id == logo_id, BrandKitLogo.kit_id == kit_id)
    return (await session.execute(stmt)).scalar_one_or_none()
