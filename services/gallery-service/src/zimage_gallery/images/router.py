from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Response
from fastapi.responses import StreamingResponse
from zimage_common.auth import CurrentUser
from zimage_common.db import SessionDep, utcnow
from zimage_common.errors import Unauthorized, Unprocessable, error_responses
from zimage_common.objects import content_disposition
from zimage_common.pagination import CursorQuery
from zimage_common.params import IsoDateTime

from zimage_gallery.exports import service as exports
from zimage_gallery.folders.service import FolderNotFound
from zimage_gallery.images import service
from zimage_gallery.images.deps import SettingsDep, SignerDep, StoreDep
from zimage_gallery.images.models import GalleryImage
from zimage_gallery.images.pagination import InvalidCursor
from zimage_gallery.images.repository import ImageFilter
from zimage_gallery.images.schemas import BulkRequest, BulkResult, ImageOut, ImagePage, ImagePatch, Sidebar, ZipRequest
from zimage_gallery.images.search import query_terms
from zimage_gallery.reviews.schemas import ReviewStatus

router = APIRouter(prefix="/api/v1/gallery", tags=["images"])


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _folder_filter(folder: str | None) -> tuple[uuid.UUID | None, bool]:
    if folder is None:
        return None, False
    if folder == "none":
        return None, True
    try:
        return uuid.UUID(folder), False
    except ValueError:
        raise Unprocessable("folder: a folder id, or 'none' for images in no folder") from None


@router.get(
    "/images",
    operation_id="gallery_images_list",
    response_model=ImagePage,
    responses=error_responses(Unauthorized, InvalidCursor, Unprocessable),
)
async def list_images(
    session: SessionDep,
    principal: CurrentUser,
    settings: SettingsDep,
    store: StoreDep,
    folder: Annotated[
        str | None, Query(max_length=36, description="Folder id (its subfolders included), or 'none' for unfiled")
    ] = None,
    tag: Annotated[list[uuid.UUID] | None, Query(max_length=20, description="Tag ids; an image needs all")] = None,
    favorite: bool | None = None,
    review_status: Annotated[ReviewStatus | None, Query(description="Images in this review state")] = None,
    template: Annotated[uuid.UUID | None, Query(description="Template the image was made with")] = None,
    created_from: Annotated[IsoDateTime | None, Query(description="Inclusive; a time without zone is UTC")] = None,
    created_to: Annotated[IsoDateTime | None, Query(description="Exclusive; a time without zone is UTC")] = None,
    preset: Annotated[str | None, Query(max_length=64, description="Size preset id")] = None,
    width: Annotated[int | None, Query(ge=1, le=16384)] = None,
    height: Annotated[int | None, Query(ge=1, le=16384)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Words in the prompt or note (Korean too)")] = None,
    sort: Literal["newest", "oldest"] = "newest",
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: CursorQuery = None,
) -> ImagePage:
    folder_id, unfiled = _folder_filter(folder)
    filters = ImageFilter(
        folder_ids=[folder_id] if folder_id else [],
        unfiled=unfiled,
        tag_ids=list(dict.fromkeys(tag or [])),
        favorite=favorite,
        review_status=review_status.value if review_status else None,
        template_id=template,
        created_from=_utc(created_from),
        created_to=_utc(created_to),
        preset=preset,
        width=width,
        height=height,
        terms=query_terms(q or ""),
    )
    images, next_cursor = await service.list_own(
        session, principal.user_id, filters, newest_first=sort == "newest", limit=limit, cursor=cursor
    )
    return ImagePage(items=await service.to_out(session, store, settings, images), next_cursor=next_cursor)


@router.get("/sidebar", operation_id="gallery_sidebar", response_model=Sidebar, responses=error_responses(Unauthorized))
async def sidebar(session: SessionDep, principal: CurrentUser) -> Sidebar:
    """Counts for the gallery's side panel: all, favourites, unfiled, per review state, folder and tag."""
    return await service.sidebar(session, principal.user_id)


# `:uuid` so /images/bulk and /images/zip never reach these routes (405 there, not a 422 about the id)
@router.get(
    "/images/{image_id:uuid}",
    operation_id="gallery_images_get",
    response_model=ImageOut,
    responses=error_responses(Unauthorized, service.ImageNotFound),
)
async def get_image(
    image_id: uuid.UUID, session: SessionDep, principal: CurrentUser, settings: SettingsDep, store: StoreDep
) -> ImageOut:
    image = await service.get_own(session, principal.user_id, image_id)
    return (await service.to_out(session, store, settings, [image]))[0]


@router.patch(
    "/images/{image_id:uuid}",
    operation_id="gallery_images_update",
    response_model=ImageOut,
    responses=error_responses(Unauthorized, service.ImageNotFound, FolderNotFound),
)
async def update_image(
    image_id: uuid.UUID,
    body: ImagePatch,
    session: SessionDep,
    principal: CurrentUser,
    settings: SettingsDep,
    store: StoreDep,
) -> ImageOut:
    image = await service.patch(session, principal.user_id, image_id, body)
    return (await service.to_out(session, store, settings, [image]))[0]


@router.delete(
    "/images/{image_id:uuid}",
    status_code=204,
    operation_id="gallery_images_delete",
    responses=error_responses(Unauthorized, service.ImageNotFound),
)
async def delete_image(image_id: uuid.UUID, session: SessionDep, principal: CurrentUser, store: StoreDep) -> Response:
    """Delete the record and its objects: the PNG, the thumbnail and every export."""
    await service.delete(session, store, principal.user_id, image_id)
    return Response(status_code=204)


@router.post(
    "/images/bulk",
    operation_id="gallery_images_bulk",
    response_model=BulkResult,
    responses=error_responses(Unauthorized, service.ImageNotFound, FolderNotFound),
)
async def bulk(
    body: Annotated[BulkRequest, Body()], session: SessionDep, principal: CurrentUser, store: StoreDep
) -> BulkResult:
    """One action on a selection: move, add_tags, remove_tags, favorite, delete. All or nothing:
    an id that is not one of your images answers 404 and changes nothing."""
    count = await service.bulk(session, store, principal.user_id, body)
    return BulkResult(action=body.action, count=count)


@router.post(
    "/images/zip",
    operation_id="gallery_images_zip",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/zip": {}}, "description": "A ZIP of the originals, streamed"},
        **error_responses(Unauthorized, service.ImageNotFound),
    },
)
async def download_zip(
    body: ZipRequest, session: SessionDep, principal: CurrentUser, store: StoreDep, signer: SignerDep
) -> StreamingResponse:
    """The selected originals as one ZIP, written while it is sent: each with its provenance, and DRAFT-marked
    unless approved. An id that is not one of your images answers 404 before anything is sent."""
    images = await service.get_selection(session, principal.user_id, body.ids)
    name = f"zimage-gallery-{utcnow():%Y%m%d-%H%M%S}.zip"

    def finish(image: GalleryImage, file_name: str, original: bytes) -> bytes:
        return exports.finish_original(original, exports.finish_for(image, "original", signer, file_name))

    return StreamingResponse(
        service.zip_stream(store, images, finish),
        media_type="application/zip",
        headers={"Content-Disposition": content_disposition(name), "Cache-Control": "no-store"},
    )
