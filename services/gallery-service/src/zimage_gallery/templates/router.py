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
from zimage_gallery.templates import service
from zimage_gallery.templates.models import TemplateCategory, TemplateScope
from zimage_gallery.templates.schemas import (
    PreviewRequest,
    TemplateCreate,
    TemplateExpansion,
    TemplateOut,
    TemplatePage,
    TemplateUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["templates"])


@router.get(
    "/templates",
    operation_id="templates_list",
    response_model=TemplatePage,
    responses=error_responses(Unauthorized, InvalidCursor),
)
async def list_templates(
    session: SessionDep,
    principal: CurrentUser,
    category: TemplateCategory | None = None,
    scope: TemplateScope | None = None,
    q: Annotated[str | None, Query(max_length=100, description="Text in a name or description")] = None,
    cursor: CursorQuery = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> TemplatePage:
    return await service.list_visible(
        session, principal, limit=limit, cursor=cursor, category=category, scope=scope, q=(q or "").strip() or None
    )


@router.post(
    "/templates",
    status_code=201,
    operation_id="templates_create",
    response_model=TemplateOut,
    responses=error_responses(Unauthorized, service.TemplateReadOnly, Unprocessable),
)
async def create_template(body: TemplateCreate, session: SessionDep, trail: AuditTrailDep) -> TemplateOut:
    return service.to_out(await service.create(session, trail, body), trail.principal)


@router.get(
    "/templates/{template_id}",
    operation_id="templates_get",
    response_model=TemplateOut,
    responses=error_responses(Unauthorized, service.TemplateNotFound),
)
async def get_template(template_id: uuid.UUID, session: SessionDep, principal: CurrentUser) -> TemplateOut:
    return service.to_out(await service.get_visible(session, principal.user_id, template_id), principal)


@router.patch(
    "/templates/{template_id}",
    operation_id="templates_update",
    response_model=TemplateOut,
    responses=error_responses(Unauthorized, service.TemplateReadOnly, service.TemplateNotFound, Unprocessable),
)
async def update_template(
    template_id: uuid.UUID, body: TemplateUpdate, session: SessionDep, trail: AuditTrailDep
) -> TemplateOut:
    return service.to_out(await service.update(session, trail, template_id, body), trail.principal)


@router.delete(
    "/templates/{template_id}",
    status_code=204,
    operation_id="templates_delete",
    response_class=Response,
    responses=error_responses(Unauthorized, service.TemplateReadOnly, service.TemplateNotFound),
)
async def delete_template(template_id: uuid.UUID, session: SessionDep, trail: AuditTrailDep) -> Response:
    await service.delete(session, trail, template_id)
    return Response(status_code=204)


@router.post(
    "/templates/{template_id}/preview",
    operation_id="templates_preview",
    response_model=TemplateExpansion,
    responses=error_responses(Unauthorized, service.TemplateNotFound, Unprocessable),
)
async def preview_template(
    template_id: uuid.UUID, body: PreviewRequest, session: SessionDep, principal: CurrentUser
) -> TemplateExpansion:
    """The prompt these variables make, exactly as generation would use it."""
    return await service.expansion(session, principal.user_id, template_id, body.variables)
