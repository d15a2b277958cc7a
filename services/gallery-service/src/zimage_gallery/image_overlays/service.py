"""Overlay specs stored beside images, the brand-kit files they name, and drawing them at a channel's pixels."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass

import structlog
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.errors import NotFound, Unprocessable
from zimage_common.objects import ObjectNotFound, ObjectStore

from zimage_gallery.image_overlays import repository as repo
from zimage_gallery.image_overlays.models import ImageOverlay
from zimage_gallery.image_overlays.schemas import ImageOverlaySpec
from zimage_gallery.images import service as images
from zimage_gallery.images.models import GalleryImage
from zimage_gallery.overlays.fonts import FontFamily, load_font
from zimage_gallery.overlays.logos import load_logo
from zimage_gallery.overlays.render import render as render_overlay
from zimage_gallery.overlays.schemas import OverlayLayout, OverlaySpec, safe_margins_for

log = structlog.get_logger("zimage.gallery.overlays")


class OverlayNotFound(NotFound):
    code = "OverlayNotFound"


class UnknownBrandAsset(Unprocessable):
    code = "UnknownBrandAsset"


@dataclass(frozen=True, eq=False)
class OverlayAssets:
    """An overlay ready to draw: the spec, its kit font and logo loaded, and a version for cache keys."""

    spec: OverlaySpec
    font: FontFamily | None
    logo: Image.Image | None
    version: str


def renderer_spec(spec: ImageOverlaySpec) -> OverlaySpec:
    return OverlaySpec.model_validate(spec.model_dump(exclude={"brand_kit_id"}))


async def get(session: AsyncSession, owner_id: uuid.UUID, image_id: uuid.UUID) -> ImageOverlay:
    image = await images.get_own(session, owner_id, image_id)
    row = await repo.get(session, image.id)
    if row is None:
        raise OverlayNotFound("This image has no overlay yet")
    return row


async def check_assets(session: AsyncSession, spec: ImageOverlaySpec) -> None:
    """The kit exists and the font and logo are that kit's (422 UnknownBrandAsset otherwise)."""
    if (spec.font_id or spec.logo_id) and spec.brand_kit_id is None:
        raise UnknownBrandAsset("brand_kit_id: name the brand kit that font_id and logo_id belong to")
    if spec.brand_kit_id is None:
        return
    if await repo.kit(session, spec.brand_kit_id) is None:
        raise UnknownBrandAsset("brand_kit_id: no such brand kit")
    if spec.font_id and await repo.font(session, spec.brand_kit_id, spec.font_id) is None:
        raise UnknownBrandAsset("font_id: not a font of that brand kit")
    if spec.logo_id and await repo.logo(session, spec.brand_kit_id, spec.logo_id) is None:
        raise UnknownBrandAsset("logo_id: not a logo of that brand kit")


async def put(session: AsyncSession, owner_id: uuid.UUID, image_id: uuid.UUID, spec: ImageOverlaySpec) -> ImageOverlay:
    image = await images.get_own(session, owner_id, image_id)
    await check_assets(session, spec)
    return await repo.put(session, image.id, owner_id, spec.model_dump(mode="json"))


async def delete(session: AsyncSession, owner_id: uuid.UUID, image_id: uuid.UUID) -> None:
    image = await images.get_own(session, owner_id, image_id)
    if not await repo.remove(session, [image.id]):
        raise OverlayNotFound("This image has no overlay")


async def load_assets(session: AsyncSession, store: ObjectStore, spec: ImageOverlaySpec) -> OverlayAssets:
    """Fetch the kit's font and logo. One deleted since the spec was saved is left out (the bundled font, no
    logo) rather than failing every export of the image."""
    font: FontFamily | None = None
    logo: Image.Image | None = None
    parts = [json.dumps(spec.model_dump(mode="json"), sort_keys=True)]
    if spec.brand_kit_id and spec.font_id:
        row = await repo.font(session, spec.brand_kit_id, spec.font_id)
        if row is not None:
            try:
                font = FontFamily.of(load_font(await store.get(row.key)))
                parts.append(row.key)
            except (ObjectNotFound, Unprocessable):
                log.warning("overlay_font_unavailable", font_id=str(spec.font_id))
    if spec.brand_kit_id and spec.logo_id:
        row_logo = await repo.logo(session, spec.brand_kit_id, spec.logo_id)
        if row_logo is not None:
            try:
                logo = load_logo(await store.get(row_logo.key), row_logo.content_type)
                parts.append(row_logo.key)
            except (ObjectNotFound, Unprocessable):
                log.warning("overlay_logo_unavailable", logo_id=str(spec.logo_id))
    version = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:12]
    return OverlayAssets(renderer_spec(spec), font, logo, version)


async def assets_for(session: AsyncSession, store: ObjectStore, image: GalleryImage) -> OverlayAssets:
    row = await repo.get(session, image.id)
    if row is None:
        raise OverlayNotFound("This image has no overlay yet: PUT one at /gallery/images/{id}/overlay first")
    return await load_assets(session, store, ImageOverlaySpec.model_validate(row.spec))


async def stored_assets(session: AsyncSession, store: ObjectStore, image: GalleryImage) -> OverlayAssets | None:
    """The image's overlay if it has one (campaign fan-out lays it out per channel; without one, plain sizes)."""
    row = await repo.get(session, image.id)
    return None if row is None else await load_assets(session, store, ImageOverlaySpec.model_validate(row.spec))


def draw(
    image: Image.Image, assets: OverlayAssets, width: int, height: int, preset_id: str | None
) -> tuple[Image.Image, OverlayLayout]:
    """`image` (any size) cover-fitted to width×height with the overlay laid out and drawn for that size."""
    result = render_overlay(
        assets.spec, image, width, height, logo=assets.logo, font=assets.font, margins=safe_margins_for(preset_id)
    )
    return result.image, result.layout
