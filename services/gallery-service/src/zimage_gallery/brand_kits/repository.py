"""All SQL for brand kits, their fonts and their logos."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from zimage_gallery.brand_kits.models import BrandKit, BrandKitFont, BrandKitLogo


async def get(session: AsyncSession, kit_id: uuid.UUID) -> BrandKit | None:
    return await session.get(BrandKit, kit_id)


async def get_by_name(session: AsyncSession, name: str) -> BrandKit | None:
    return (await session.execute(select(BrandKit).where(BrandKit.name == name))).scalar_one_or_none()


async def list_kits(
    session: AsyncSession, *, limit: int, after: tuple[datetime, uuid.UUID] | None
) -> Sequence[BrandKit]:
    stmt = select(BrandKit)
    if after:
        created, kit_id = after
        stmt = stmt.where(
            or_(BrandKit.created_at > created, and_(BrandKit.created_at == created, BrandKit.id > kit_id))
        )
    return (await session.execute(stmt.order_by(BrandKit.created_at, BrandKit.id).limit(limit))).scalars().all()


async def fonts_of(session: AsyncSession, kit_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[BrandKitFont]]:
    out: dict[uuid.UUID, list[BrandKitFont]] = {k: [] for k in kit_ids}
    if kit_ids:
        stmt = (
            select(BrandKitFont)
            .where(BrandKitFont.kit_id.in_(list(kit_ids)))
            .order_by(BrandKitFont.created_at, BrandKitFont.id)
        )
        for font in (await session.execute(stmt)).scalars():
            out[font.kit_id].append(font)
    return out


async def logos_of(session: AsyncSession, kit_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[BrandKitLogo]]:
    out: dict[uuid.UUID, list[BrandKitLogo]] = {k: [] for k in kit_ids}
    if kit_ids:
        stmt = (
            select(BrandKitLogo)
            .where(BrandKitLogo.kit_id.in_(list(kit_ids)))
            .order_by(BrandKitLogo.created_at, BrandKitLogo.id)
        )
        for logo in (await session.execute(stmt)).scalars():
            out[logo.kit_id].append(logo)
    return out


async def get_font(session: AsyncSession, kit_id: uuid.UUID, font_id: uuid.UUID) -> BrandKitFont | None:
    stmt = select(BrandKitFont).where(BrandKitFont.id == font_id, BrandKitFont.kit_id == kit_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_logo(session: AsyncSession, kit_id: uuid.UUID, logo_id: uuid.UUID) -> BrandKitLogo | None:
    stmt = select(BrandKitLogo).where(BrandKitLogo.id == logo_id, BrandKitLogo.kit_id == kit_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def add(session: AsyncSession, row: BrandKit | BrandKitFont | BrandKitLogo) -> None:
    session.add(row)
    await session.flush()


async def remove(session: AsyncSession, row: BrandKit | BrandKitFont | BrandKitLogo) -> None:
    await session.delete(row)
    await session.flush()


async def delete_kit(session: AsyncSession, kit: BrandKit) -> list[str]:
    """The kit, its fonts and logos; the keys of their objects (the caller removes those after commit)."""
    keys = list(
        (await session.execute(select(BrandKitFont.key).where(BrandKitFont.kit_id == kit.id))).scalars().all()
    ) + list((await session.execute(select(BrandKitLogo.key).where(BrandKitLogo.kit_id == kit.id))).scalars().all())
    await session.execute(delete(BrandKitFont).where(BrandKitFont.kit_id == kit.id))
    await session.execute(delete(BrandKitLogo).where(BrandKitLogo.kit_id == kit.id))
    await session.delete(kit)
    await session.flush()
    return keys
