from __future__ import annotations

from fastapi import APIRouter
from zimage_common.db import SessionDep

from zimage_image.deps import InternalCaller
from zimage_image.workers import service
from zimage_image.workers.schemas import WorkerReport

internal_router = APIRouter(
    prefix="/internal/v1/workers", tags=["internal"], dependencies=[InternalCaller], include_in_schema=False
)


@internal_router.post("/heartbeat", status_code=204)
async def heartbeat(body: WorkerReport, session: SessionDep) -> None:
    """A worker's status: engine, device, GPU memory and use, what it is doing."""
    await service.report(session, body)
