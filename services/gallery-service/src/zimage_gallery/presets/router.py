from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from zimage_common.audit import AuditTrailDep
from zimage_common.auth import CurrentUser
from zimage_common.db import SessionDep
from zimage_common.errors import Unauthorized, Unprocessable, error_responses
from zimage_common.pagination import CursorQuery

from zimage_gallery.images.pagination import InvalidCursor
from zimage_gallery.presets import service
from zimage_gallery.presets.models import PresetCategory, PresetScope
from zimage_gallery.presets.schemas import PresetCreate, PresetOut, PresetPage, PresetUpdate

router = APIRouter(prefix="/api/v1", tags=["presets"])


@router.get(
    "/presets",
    operation_id="presets_list",
    response_model=PresetPage,
    responses=error_responses(Unauthorized, InvalidCursor),
)
async def list_presets(
    session: SessionDep,
    principal: CurrentUser,
    category: PresetCategory | None = None,
    scope: PresetScope | None = None,
    cursor: CursorQuery = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> PresetPage:
    return await service.list_visible(session, principal, limit=limit, cursor=cursor, category=category, scope=scope)


@router.post(
    "/presets",
    status_code=201,
    operation_id="presets_create",
    response_model=PresetOut,
    responses=error_responses(Unauthorized, service.PresetReadOnly, Unprocessable),
)
async def create_preset(body: PresetCreate, session: SessionDep, trail: AuditTrailDep) -> PresetOut:
    return service.to_out(await service.create(session, trail, body), trail.principal)


@router.get(
    "/presets/{preset_id}",
    operation_id="presets_get",
    response_model=PresetOut,
    responses=error_responses(Unauthorized, service.PresetNotFound),
)
async def get_preset(preset_id: uuid.UUID, session: SessionDep, principal: CurrentUser) -> PresetOut:
    return service.to_out(await service.get_visible(session, principal, preset_id), principal)


@router.patch(
    "/presets/{preset_id}",
    operation_id="presets_update",
    response_model=PresetOut,
    responses=error_responses(Unauthorized, service.PresetReadOnly, service.PresetNotFound, Unprocessable),
)
async def update_preset(
    preset_id: uuid.UUID, body: PresetUpdate, session: SessionDep, trail: AuditTrailDep
) -> PresetOut:
    return service.to_out(await service.update(session, trail, preset_id, body), trail.principal)


@router.delete(
    "/presets/{preset_id}",
    status_code=204,
    operation_id="presets_delete",
    response_class=Response,
    responses=error_responses(Unauthorized, service.PresetReadOnly, service.PresetNotFound),
)
async def delete_preset(preset_id: uuid.UUID, session: SessionDep, trail: AuditTrailDep) -> Response:
    await service.delete(session, trail, preset_id)
    return Response(status_code=204)
