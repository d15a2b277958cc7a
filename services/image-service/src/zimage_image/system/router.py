from __future__ import annotations

from fastapi import APIRouter, Request
from zimage_common.auth import AdminUser
from zimage_common.db import SessionDep
from zimage_common.errors import Forbidden, Unauthorized, error_responses

from zimage_image.deps import SettingsDep
from zimage_image.system import service
from zimage_image.system.schemas import SystemOut

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


@router.get(
    "/system",
    operation_id="admin_system_get",
    response_model=SystemOut,
    responses=error_responses(Unauthorized, Forbidden),
)
async def get_system(session: SessionDep, settings: SettingsDep, request: Request, _admin: AdminUser) -> SystemOut:
    """Services' health and versions, queue depth, workers, the last failures, and monitoring links.
    A service that does not answer is listed as unavailable; the page itself still answers."""
    app = request.app
    return await service.system(session, settings, app.version, app.state.readiness_checks())
