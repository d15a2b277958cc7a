"""The admin audit log: every admin action, who did it, to what, when and from where (RELIABILITY P5).

auth-service keeps the log. Its own admin actions write their row in the same transaction as the change;
the other services post theirs to auth-service's internal route before their change commits, so an action
that happened always has its row (a post that fails answers 503 and the change rolls back).
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request

from zimage_common.auth import AdminUser, CurrentUser
from zimage_common.internal import InternalClient, request_ip
from zimage_common.tokens import Principal


@dataclass(frozen=True)
class AuditEntry:
    actor_id: uuid.UUID
    action: str  # "<target type>.<verb>", e.g. "user.update", "quota.update", "template.delete"
    target_type: str
    target_id: str | None
    ip: str | None
    service: str
    detail: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "actor_id": str(self.actor_id),
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "ip": self.ip,
            "service": self.service,
            "detail": self.detail,
        }


class AuditLog(ABC):
    @abstractmethod
    async def record(self, entry: AuditEntry) -> None: ...


class RemoteAuditLog(AuditLog):
    """Posts entries to auth-service (`POST /internal/v1/audit`); raises ServiceUnavailable when it cannot."""

    def __init__(self, auth_service_url: str, token: str) -> None:
        self.client = InternalClient(auth_service_url, token, peer="auth-service (audit log)", timeout=5.0)

    async def record(self, entry: AuditEntry) -> None:
        response = await self.client.request("POST", "/audit", json=entry.as_json())
        response.raise_for_status()

    async def close(self) -> None:
        await self.client.close()


@dataclass(frozen=True)
class AdminAction:
    """An admin's request: the admin, their address, and where their actions are logged."""

    principal: Principal
    ip: str
    service: str
    log: AuditLog

    async def record(
        self, action: str, target_type: str, target_id: object | None, detail: dict[str, Any] | None = None
    ) -> None:
        await self.log.record(
            AuditEntry(
                actor_id=self.principal.user_id,
                action=action,
                target_type=target_type,
                target_id=None if target_id is None else str(target_id),
                ip=self.ip,
                service=self.service,
                detail=detail or {},
            )
        )


async def admin_action(request: Request, principal: AdminUser) -> AdminAction:
    """For services whose `app.state.audit` is an AuditLog (the remote one everywhere but auth-service)."""
    return AdminAction(principal, request_ip(request), request.app.state.service_name, request.app.state.audit)


async def audit_trail(request: Request, principal: CurrentUser) -> AdminAction:
    """For routes open to everyone where some acts are admin acts (shared templates): record only those."""
    return AdminAction(principal, request_ip(request), request.app.state.service_name, request.app.state.audit)


AdminActionDep = Annotated[AdminAction, Depends(admin_action)]
AuditTrailDep = Annotated[AdminAction, Depends(audit_trail)]


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The audit detail of an update: each changed field as {"from": old, "to": new}."""
    return {k: {"from": before.get(k), "to": v} for k, v in after.items() if before.get(k) != v}
