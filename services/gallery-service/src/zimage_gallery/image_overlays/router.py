from __future__ import annotations

import asyncio
import json
import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response
from zimage_common.auth import CurrentUser
from zimage_common.db import SessionDep
from zimage_common.errors import Unauthorized, error_responses

from zimage_gallery.exports import service as exports
from zimage_gallery.image_overlays import service
from zimage_gallery.image_overlays.models import ImageOverlay
from zimage_gallery.image_overlays.schemas import ImageOverlayOut, ImageOverlaySpec
from zimage_gallery.images import service as images
from zimage_gallery.images.deps import StoreDep
from zimage_gallery.images.service import ImageNotFound
from zimage_gallery.overlays.layout import OverlayDoesNotFit

router = APIRouter(prefix="/api/v1/gallery", tags=["overlays"])


def _out(row: ImageOverlay) -> ImageOverlayOut:
    return ImageOverlayOut(
        image_id=row.image_id, spec=ImageOverlaySpec.model_validate(row.spec), updated_at=row.updated_at
    )


@router.get(
    "/images/{image_id}/overlay",
    operation_id="gallery_images_overlay_get",
    response_model=ImageOverlayOut,
    responses=error_responses(Unauthorized, ImageNotFound, service.OverlayNotFound),
)
async def get_overlay(image_id: uuid.UUID, session: SessionDep, principal: CurrentUser) -> ImageOverlayOut:
    return _out(await service.get(session, principal.user_id, image_id))


@router.put(
    "/images/{image_id}/overlay",
    operation_id="gallery_images_overlay_put",
    response_model=ImageOverlayOut,
    responses=error_responses(Unauthorized, ImageNotFound, service.UnknownBrandAsset),
)
async def put_overlay(
    image_id: uuid.UUID, body: ImageOverlaySpec, session: SessionDep, principal: CurrentUser
) -> ImageOverlayOut:
    """Store the image's overlay (replacing any): data beside the image; the original file never changes."""
    return _out(await service.put(session, principal.user_id, image_id, body))


@router.delete(
    "/images/{image_id}/overlay",
    status_code=204,
    operation_id="gallery_images_overlay_delete",
    responses=error_responses(Unauthorized, ImageNotFound, service.OverlayNotFound),
)
async def delete_overlay(image_id: uuid.UUID, session: SessionDep, principal: CurrentUser) -> Response:
    await service.delete(session, principal.user_id, image_id)
    return Response(status_code=204)


@router.post(
    "/images/{image_id}/overlay/preview",
    operation_id="gallery_images_overlay_preview",
    response_class=Response,
    responses={
        200: {
            "content": {"image/png": {}},
            "description": "The image at the preset's exact pixels with the overlay (DRAFT-marked unless approved); "
            "`X-Overlay-Layout` holds the layout as JSON (ASCII-escaped)",
            "headers": {"X-Overlay-Layout": {"schema": {"type": "string"}}},
        },
        **error_responses(
            Unauthorized,
            ImageNotFound,
            service.OverlayNotFound,
            service.UnknownBrandAsset,
            exports.UnknownPreset,
            exports.OriginalMissing,
            OverlayDoesNotFit,
        ),
    },
)
async def preview_overlay(
    image_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentUser,
    store: StoreDep,
    preset: Annotated[str, Query(max_length=64, description="Size preset id, e.g. instagram_story")],
    body: Annotated[ImageOverlaySpec | None, Body(description="A spec to try; none: the stored overlay")] = None,
) -> Response:
    """The overlay drawn at one channel's exact pixels, as the export will be (without a C2PA manifest)."""
    image = await images.get_own(session, principal.user_id, image_id)
    size = exports.preset_for(preset)
    if body is not None:
        await service.check_assets(session, body)
        assets = await service.load_assets(session, store, body)
    else:
        assets = await service.assets_for(session, store, image)
    original = await exports.load_original(store, image)
    finish = exports.finish_for(image, size.id, None, "", assets)
    png, layout = await asyncio.to_thread(exports.preview, original, size.width, size.height, finish)
    headers = {"Cache-Control": "private, no-store"}
    if layout is not None:
        headers["X-Overlay-Layout"] = json.dumps(layout.model_dump(mode="json"), separators=(",", ":"))
    return Response(png, media_type="image/png", headers=headers)
