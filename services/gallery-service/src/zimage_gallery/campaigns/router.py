from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse
from zimage_common.auth import CurrentUser
from zimage_common.db import SessionDep
from zimage_common.errors import Unauthorized, error_responses
from zimage_common.objects import content_disposition

from zimage_gallery.campaigns import service
from zimage_gallery.campaigns.schemas import CampaignCreate, CampaignOut, CampaignPage, CampaignPatch, CampaignScope
from zimage_gallery.exports.service import OriginalMissing
from zimage_gallery.images.deps import SignerDep, StoreDep
from zimage_gallery.images.pagination import InvalidCursor
from zimage_gallery.images.service import ImageNotFound
from zimage_gallery.reviews.service import ReviewerRequired

router = APIRouter(prefix="/api/v1/campaigns", tags=["campaigns"])

NOT_YOURS = (service.CampaignNotFound, service.NotCampaignOwner)


@router.get(
    "",
    operation_id="campaigns_list",
    response_model=CampaignPage,
    responses=error_responses(Unauthorized, ReviewerRequired, InvalidCursor),
)
async def list_campaigns(
    session: SessionDep,
    principal: CurrentUser,
    scope: Annotated[CampaignScope, Query(description="mine, or all (reviewers)")] = "mine",
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> CampaignPage:
    rows, next_cursor = await service.list_visible(session, principal, scope, limit, cursor)
    return CampaignPage(items=await service.to_out(session, rows), next_cursor=next_cursor)


@router.post(
    "",
    status_code=201,
    operation_id="campaigns_create",
    response_model=CampaignOut,
    responses=error_responses(Unauthorized, service.UnknownBrandKit),
)
async def create_campaign(body: CampaignCreate, session: SessionDep, principal: CurrentUser) -> CampaignOut:
    return (await service.to_out(session, [await service.create(session, principal, body)]))[0]


@router.get(
    "/{campaign_id}",
    operation_id="campaigns_get",
    response_model=CampaignOut,
    responses=error_responses(Unauthorized, service.CampaignNotFound),
)
async def get_campaign(campaign_id: uuid.UUID, session: SessionDep, principal: CurrentUser) -> CampaignOut:
    return (await service.to_out(session, [await service.get_readable(session, principal, campaign_id)]))[0]


@router.patch(
    "/{campaign_id}",
    operation_id="campaigns_update",
    response_model=CampaignOut,
    responses=error_responses(Unauthorized, *NOT_YOURS, service.UnknownBrandKit),
)
async def update_campaign(
    campaign_id: uuid.UUID, body: CampaignPatch, session: SessionDep, principal: CurrentUser
) -> CampaignOut:
    return (await service.to_out(session, [await service.patch(session, principal, campaign_id, body)]))[0]


@router.delete(
    "/{campaign_id}",
    status_code=204,
    operation_id="campaigns_delete",
    responses=error_responses(Unauthorized, *NOT_YOURS),
)
async def delete_campaign(campaign_id: uuid.UUID, session: SessionDep, principal: CurrentUser) -> Response:
    """The campaign goes; its images stay in the gallery."""
    await service.delete(session, principal, campaign_id)
    return Response(status_code=204)


@router.put(
    "/{campaign_id}/images/{image_id}",
    status_code=204,
    operation_id="campaigns_images_attach",
    responses=error_responses(Unauthorized, *NOT_YOURS, ImageNotFound),
)
async def attach_image(
    campaign_id: uuid.UUID, image_id: uuid.UUID, session: SessionDep, principal: CurrentUser
) -> Response:
    """Attach one of your images (again: no change)."""
    await service.attach(session, principal, campaign_id, image_id)
    return Response(status_code=204)


@router.delete(
    "/{campaign_id}/images/{image_id}",
    status_code=204,
    operation_id="campaigns_images_detach",
    responses=error_responses(Unauthorized, *NOT_YOURS),
)
async def detach_image(
    campaign_id: uuid.UUID, image_id: uuid.UUID, session: SessionDep, principal: CurrentUser
) -> Response:
    await service.detach(session, principal, campaign_id, image_id)
    return Response(status_code=204)


@router.get(
    "/{campaign_id}/export",
    operation_id="campaigns_export",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/zip": {}}, "description": "One PNG per channel, streamed"},
        **error_responses(Unauthorized, *NOT_YOURS, ImageNotFound, service.ImageNotInCampaign, OriginalMissing),
    },
)
async def export_campaign(
    campaign_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentUser,
    store: StoreDep,
    signer: SignerDep,
    image_id: Annotated[uuid.UUID, Query(description="One of the campaign's images")],
) -> StreamingResponse:
    """Fan-out: the image at every channel of the campaign, each at its exact pixels with the image's overlay
    laid out again for that aspect, as `<campaign>_<channel>_<w>x<h>.png` in one ZIP; DRAFT-marked unless the
    image is approved; provenance in every file."""
    job = await service.fan_out(session, store, signer, principal, campaign_id, image_id)
    return StreamingResponse(
        service.zip_stream(job),
        media_type="application/zip",
        headers={"Content-Disposition": content_disposition(job.zip_name), "Cache-Control": "no-store"},
    )
