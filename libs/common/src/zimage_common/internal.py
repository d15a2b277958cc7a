"""Service-to-service calls: the shared service token on the way in, one HTTP client shape on the way out.

Internal routes live under `/internal/v1`, outside the gateway's `/api/v1`, so nothing outside reaches them.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

import httpx
from fastapi import Depends, Header, Request

from zimage_common.errors import ServiceUnavailable, Unauthorized
from zimage_common.network import client_ip
from zimage_common.observability import outgoing_headers

INTERNAL_PREFIX = "/internal/v1"


async def internal_caller(request: Request, x_internal_token: Annotated[str | None, Header()] = None) -> None:
    expected: str = request.app.state.settings.internal_token
    if not x_internal_token or not hmac.compare_digest(x_internal_token.encode(), expected.encode()):
        raise Unauthorized("internal route: service token required")


InternalCaller = Depends(internal_caller)


def request_ip(request: Request) -> str:
    """The caller's address, believing `X-Forwarded-For` only from the service's trusted proxies (the gateway)."""
    peer = request.client.host if request.client else None
    trusted: list[str] = request.app.state.settings.trusted_proxies
    return client_ip(peer, request.headers.get("x-forwarded-for"), trusted)


class InternalClient:
    """Calls another service's internal routes; an unreachable or failing peer becomes a 503 for our caller."""

    def __init__(self, base_url: str, token: str, *, peer: str, timeout: float = 10.0) -> None:
        self.peer = peer
        self.http = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + INTERNAL_PREFIX, headers={"X-Internal-Token": token}, timeout=timeout
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def request(
        self, method: str, path: str, *, json: Any = None, params: dict[str, str] | None = None
    ) -> httpx.Response:
        try:
            response = await self.http.request(method, path, json=json, params=params, headers=outgoing_headers())
        except httpx.TransportError as exc:
            raise ServiceUnavailable(f"{self.peer} is unavailable; try again shortly") from exc
        if response.status_code >= 500:
            raise ServiceUnavailable(f"{self.peer} answered {response.status_code}; try again shortly")
        return response
