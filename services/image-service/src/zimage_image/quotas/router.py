from __future__ import annotations

import uuid

from fastapi import APIRouter
from zimage_common.audit import AdminActionDep
from zimage_common.auth import AdminUser
from zimage_common.db import SessionDep
from zimage_common.errors import Forbidden, ServiceUnavailable, Unauthorized, error_responses

from zimage_image.deps import SettingsDep
from zimage_image.quotas import service
from zimage_image.quotas.schemas import QuotaOut, QuotaUpdate

router = APIRouter(prefix="/api/v1/admin/quotas", tags=["admin"])


@router.get(
    "/{user_id}",
    operation_id="admin_quotas_get",
    response_model=QuotaOut,
    responses=error_responses(Unauthorized, Forbidden),
)
async def get_quota(user_id: uuid.UUID, session: SessionDep, settings: SettingsDep, _admin: AdminUser) -> QuotaOut:
    """A user's quota: the override (null: default), the defaults, what applies, and today's use."""
    return await service.get(session, settings, user_id)


@router.put(
    "/{user_id}",
    operation_id="admin_quotas_update",
    response_model=QuotaOut,
    responses=error_responses(Unauthorized, Forbidden, ServiceUnavailable),
)
async def update_quota(
    user_id: uuid.UUID, body: QuotaUpdate, session: SessionDep, settings: SettingsDep, admin: AdminActionDep
) -> QuotaOut:
    """Set or clear (null) a user's overrides; the next submit uses them. Written to the audit log."""
    return await service.update(session, settings, admin, user_id, body)
