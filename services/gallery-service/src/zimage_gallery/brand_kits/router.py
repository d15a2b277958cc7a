from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from zimage_common.audit import AdminActionDep
from zimage_common.auth import CurrentUser
from zimage_common.db import SessionDep
from zimage_common.errors import Forbidden, ServiceUnavailable, Unauthorized, Unprocessable, error_responses
from zimage_common.pagination import CursorQuery

from zimage_gallery.brand_kits import service
from zimage_gallery.brand_kits.schemas import (
    MAX_FONT_BYTES,
    MAX_LOGO_BYTES,
    BrandKitCreate,
    BrandKitFontOut,
    BrandKitLogoOut,
    BrandKitOut,
    BrandKitPage,
    BrandKitUpdate,
)
from zimage_gallery.images.pagination import InvalidCursor
from zimage_gallery.overlays.fonts import InvalidFont
from zimage_gallery.overlays.logos import InvalidLogo

router = APIRouter(prefix="/api/v1", tags=["brand-kits"])

# the audit log is auth-service's: when it cannot take the row, the change does not happen (503)
ADMIN_ERRORS = (Unauthorized, Forbidden, ServiceUnavailable)


async def _read(upload: UploadFile, limit: int, what: str) -> bytes:
    """The file's bytes, refused (413) past `limit` without reading more than one byte beyond it."""
    if upload.size is not None:
        service.check_size(upload.size, limit, what)
    data = await upload.read(limit + 1)
    service.check_size(len(data), limit, what)
    return data


async def _one(request: Request, session: SessionDep, kit_id: uuid.UUID) -> BrandKitOut:
    kit = await service.get(session, kit_id)
    return (await service.to_out(session, request.app.state.store, request.app.state.settings, [kit]))[0]


@router.get(
    "/brand-kits",
    operation_id="brand_kits_list",
    response_model=BrandKitPage,
    responses=error_responses(Unauthorized, InvalidCursor),
)
async def list_brand_kits(
    request: Request,
    session: SessionDep,
    _: CurrentUser,
    cursor: CursorQuery = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> BrandKitPage:
    """The workspace's brand kits, oldest first."""
    return await service.list_page(
        session, request.app.state.store, request.app.state.settings, limit=limit, cursor=cursor
    )


@router.post(
    "/brand-kits",
    status_code=201,
    operation_id="brand_kits_create",
    response_model=BrandKitOut,
    responses=error_responses(*ADMIN_ERRORS, service.BrandKitNameTaken, Unprocessable),
)
async def create_brand_kit(
    body: BrandKitCreate, request: Request, session: SessionDep, trail: AdminActionDep
) -> BrandKitOut:
    kit = await service.create(session, trail, body)
    return await _one(request, session, kit.id)


@router.get(
    "/brand-kits/{kit_id}",
    operation_id="brand_kits_get",
    response_model=BrandKitOut,
    responses=error_responses(Unauthorized, service.BrandKitNotFound),
)
async def get_brand_kit(kit_id: uuid.UUID, request: Request, session: SessionDep, _: CurrentUser) -> BrandKitOut:
    return await _one(request, session, kit_id)


@router.patch(
    "/brand-kits/{kit_id}",
    operation_id="brand_kits_update",
    response_model=BrandKitOut,
    responses=error_responses(*ADMIN_ERRORS, service.BrandKitNotFound, service.BrandKitNameTaken, Unprocessable),
)
async def update_brand_kit(
    kit_id: uuid.UUID, body: BrandKitUpdate, request: Request, session: SessionDep, trail: AdminActionDep
) -> BrandKitOut:
    await service.update(session, trail, kit_id, body)
    return await _one(request, session, kit_id)


@router.delete(
    "/brand-kits/{kit_id}",
    status_code=204,
    operation_id="brand_kits_delete",
    response_class=Response,
    responses=error_responses(*ADMIN_ERRORS, service.BrandKitNotFound),
)
async def delete_brand_kit(kit_id: uuid.UUID, request: Request, session: SessionDep, trail: AdminActionDep) -> Response:
    """The kit, its fonts and its logos, objects included. Images and campaigns that named it keep its id."""
    await service.delete(session, request.app.state.store, trail, kit_id)
    return Response(status_code=204)


@router.post(
    "/brand-kits/{kit_id}/fonts",
    status_code=201,
    operation_id="brand_kits_add_font",
    response_model=BrandKitFontOut,
    responses=error_responses(
        *ADMIN_ERRORS, service.BrandKitNotFound, service.FileTooLarge, InvalidFont, Unprocessable
    ),
)
async def add_font(
    kit_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    trail: AdminActionDep,
    file: Annotated[UploadFile, File(description=f"TTF, OTF, WOFF or WOFF2, at most {MAX_FONT_BYTES // 2**20} MB")],
) -> BrandKitFontOut:
    """Validated by loading it (malformed: 422 InvalidFont, nothing stored); stored as TTF/OTF."""
    data = await _read(file, MAX_FONT_BYTES, "font")
    return service.font_out(await service.add_font(session, request.app.state.store, trail, kit_id, data))


@router.delete(
    "/brand-kits/{kit_id}/fonts/{font_id}",
    status_code=204,
    operation_id="brand_kits_delete_font",
    response_class=Response,
    responses=error_responses(*ADMIN_ERRORS, service.BrandKitNotFound, service.BrandKitFileNotFound),
)
async def delete_font(
    kit_id: uuid.UUID, font_id: uuid.UUID, request: Request, session: SessionDep, trail: AdminActionDep
) -> Response:
    """A kit whose default font this was goes back to the bundled font."""
    await service.delete_font(session, request.app.state.store, trail, kit_id, font_id)
    return Response(status_code=204)


@router.post(
    "/brand-kits/{kit_id}/logos",
    status_code=201,
    operation_id="brand_kits_add_logo",
    response_model=BrandKitLogoOut,
    responses=error_responses(
        *ADMIN_ERRORS, service.BrandKitNotFound, service.FileTooLarge, InvalidLogo, Unprocessable
    ),
)
async def add_logo(
    kit_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    trail: AdminActionDep,
    file: Annotated[UploadFile, File(description=f"PNG or SVG, at most {MAX_LOGO_BYTES // 2**20} MB")],
) -> BrandKitLogoOut:
    """Validated by loading it; an SVG is rasterised safely to PNG (malformed or unsafe: 422 InvalidLogo,
    nothing stored)."""
    data = await _read(file, MAX_LOGO_BYTES, "logo")
    content_type = (file.content_type or "").split(";")[0].strip().lower()
    if content_type in ("", "application/octet-stream"):  # browsers and curl guess from the name, or do not
        name = (file.filename or "").lower()
        content_type = "image/svg+xml" if name.endswith(".svg") else "image/png" if name.endswith(".png") else ""
    store, settings = request.app.state.store, request.app.state.settings
    logo = await service.add_logo(session, store, trail, kit_id, data, content_type)
    return await service.logo_out(store, settings, logo)


@router.delete(
    "/brand-kits/{kit_id}/logos/{logo_id}",
    status_code=204,
    operation_id="brand_kits_delete_logo",
    response_class=Response,
    responses=error_responses(*ADMIN_ERRORS, service.BrandKitNotFound, service.BrandKitFileNotFound),
)
async def delete_logo(
    kit_id: uuid.UUID, logo_id: uuid.UUID, request: Request, session: SessionDep, trail: AdminActionDep
) -> Response:
    await service.delete_logo(session, request.app.state.store, trail, kit_id, logo_id)
    return Response(status_code=204)
