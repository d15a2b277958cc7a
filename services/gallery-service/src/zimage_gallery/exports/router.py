from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import RedirectResponse
from zimage_common.auth import CurrentUser
from zimage_common.db import SessionDep
from zimage_common.errors import Unauthorized, error_responses
from zimage_common.objects import content_disposition

from zimage_gallery.exports import service
from zimage_gallery.exports.service import ExportFormat
from zimage_gallery.image_overlays.service import OverlayNotFound
from zimage_gallery.images.deps import SettingsDep, SignerDep, StoreDep
from zimage_gallery.images.service import ImageNotFound

router = APIRouter(prefix="/api/v1/gallery", tags=["exports"])


@router.get(
    "/images/{image_id}/export",
    operation_id="gallery_images_export",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}, "image/jpeg": {}, "image/webp": {}}, "description": "The file"},
        307: {"description": "Redirect to a signed URL of the file (at most 5 minutes)"},
        **error_responses(Unauthorized, ImageNotFound, OverlayNotFound, service.UnknownPreset, service.OriginalMissing),
    },
)
async def export_image(
    image_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentUser,
    settings: SettingsDep,
    store: StoreDep,
    signer: SignerDep,
    preset: Annotated[str, Query(max_length=64, description="Size preset id, e.g. instagram_square")],
    format: Annotated[ExportFormat, Query()] = ExportFormat.png,
    quality: Annotated[int, Query(ge=1, le=100, description="JPEG/WebP quality; PNG ignores it")] = 90,
    delivery: Annotated[
        Literal["redirect", "attachment"], Query(description="307 to a signed URL, or the bytes")
    ] = "redirect",
    overlay: Annotated[bool, Query(description="Draw the image's stored overlay, laid out for this size")] = False,
) -> Response:
    """The image at a channel preset's exact pixels (centre-crop + Lanczos), rendered once and cached, with
    provenance (PNG text/XMP, C2PA where this installation signs) and a diagonal DRAFT mark unless the image is
    approved. The file name says what it is: `{prompt-slug}_{preset}_{w}x{h}.{ext}`."""
    result = await service.export(
        session, store, signer, principal.user_id, image_id, preset, format, quality, with_overlay=overlay
    )
    headers = {"X-Export-Cache": "hit" if result.cached else "miss", "Cache-Control": "private, no-store"}
    if delivery == "redirect":
        url = await store.signed_url(result.key, settings.signed_url_seconds, download_name=result.file_name)
        return RedirectResponse(url, status_code=307, headers=headers)
    data = result.data if result.data is not None else await store.get(result.key)
    headers["Content-Disposition"] = content_disposition(result.file_name)
    return Response(data, media_type=result.content_type, headers=headers)
