from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from zimage_common.auth import AdminUser
from zimage_common.db import SessionDep
from zimage_common.errors import Forbidden, Unauthorized, Unprocessable, error_responses
from zimage_common.params import IsoInstant

from zimage_image.deps import InternalCaller
from zimage_image.stats import service
from zimage_image.stats.repository import Bucket
from zimage_image.stats.schemas import MonthlyImages, StatsOut

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])
internal_router = APIRouter(
    prefix="/internal/v1/usage", tags=["internal"], dependencies=[InternalCaller], include_in_schema=False
)
MAX_USER_IDS = 1000


@router.get(
    "/stats",
    operation_id="admin_stats_get",
    response_model=StatsOut,
    response_model_by_alias=True,
    responses=error_responses(Unauthorized, Forbidden, service.InvalidStatsRange),
)
async def get_stats(
    session: SessionDep,
    _admin: AdminUser,
    start: Annotated[
        IsoInstant | None, Query(alias="from", description="Default: 30 days before `to`; no zone means UTC")
    ] = None,
    end: Annotated[IsoInstant | None, Query(alias="to", description="Default: now; no zone means UTC")] = None,
    bucket: Bucket = "day",
    user_id: uuid.UUID | None = None,
) -> StatsOut:
    """Usage over time: up to 400 days by day or 31 days by hour (UTC buckets, by finish time)."""
    return await service.stats(session, start, end, bucket, user_id)


@internal_router.get("/images-this-month", response_model=MonthlyImages)
async def images_this_month(session: SessionDep, user_ids: Annotated[str | None, Query()] = None) -> MonthlyImages:
    """Images of tasks completed since the start of this UTC month, per user (auth-service's user list)."""
    ids: list[uuid.UUID] | None = None
    if user_ids is not None:
        try:
            ids = [uuid.UUID(part.strip()) for part in user_ids.split(",") if part.strip()]
        except ValueError as exc:
            raise Unprocessable("user_ids: comma-separated user ids expected") from exc
        if len(ids) > MAX_USER_IDS:
            raise Unprocessable(f"user_ids: at most {MAX_USER_IDS} ids")
    return MonthlyImages(counts=await service.images_this_month(session, ids))
