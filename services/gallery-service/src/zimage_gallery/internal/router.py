"""Routes other services call with the shared service token (never proxied by the gateway: not under /api/v1)."""

from __future__ import annotations

import hmac
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from zimage_common.db import SessionDep
from zimage_common.errors import Unauthorized

from zimage_gallery.brand_kits import service as brand_kits
from zimage_gallery.brand_kits.schemas import ApplyRequest, BrandGuidance
from zimage_gallery.images import service as images
from zimage_gallery.images.schemas import IngestRequest, IngestResult
from zimage_gallery.templates import service as templates
from zimage_gallery.templates.schemas import ExpandRequest, TemplateExpansion

router = APIRouter(prefix="/internal/v1", tags=["internal"], include_in_schema=False)


async def internal_caller(request: Request, x_internal_token: Annotated[str | None, Header()] = None) -> None:
    expected = request.app.state.settings.internal_token
    if not x_internal_token or not hmac.compare_digest(x_internal_token.encode(), expected.encode()):
        raise Unauthorized("internal route: service token required")


@router.put("/images", response_model=IngestResult, dependencies=[Depends(internal_caller)])
async def ingest_images(body: IngestRequest, session: SessionDep) -> IngestResult:
    """image-service hands over finished images; idempotent by image id (user edits are never overwritten, and
    an image the user deleted is not stored again)."""
    result = await images.ingest(session, body.images)
    return IngestResult(ingested=len(body.images), created=result.created, skipped=result.skipped)


@router.post(
    "/templates/{template_id}/expand",
    operation_id="internal_templates_expand",
    response_model=TemplateExpansion,
    dependencies=[Depends(internal_caller)],
)
async def expand_template(template_id: uuid.UUID, body: ExpandRequest, session: SessionDep) -> TemplateExpansion:
    """image-service, at submit: the prompt `body.user_id`'s variables make of a template that user can see."""
    return await templates.expansion(session, body.user_id, template_id, body.variables)


@router.post(
    "/brand-kits/{kit_id}/apply",
    operation_id="internal_brand_kits_apply",
    response_model=BrandGuidance,
    dependencies=[Depends(internal_caller)],
)
async def apply_brand_kit(kit_id: uuid.UUID, body: ApplyRequest, session: SessionDep) -> BrandGuidance:
    """image-service, at submit: the prompt with the kit's avoid words removed and its style words appended
    (404 BrandKitNotFound, 422 when the result passes the prompt limit)."""
    return await brand_kits.apply(session, kit_id, body.prompt)
