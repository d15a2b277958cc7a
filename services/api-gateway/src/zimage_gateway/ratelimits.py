"""Per-address, per-user and credential-endpoint budgets, counted in memory or in Redis."""

from __future__ import annotations

from starlette.requests import Request
from zimage_common.ratelimit import RateLimiter
from zimage_common.tokens import Principal

from zimage_gateway.config import Settings
from zimage_gateway.peers import request_client_ip
from zimage_gateway.routes import CREDENTIAL_PATHS


class EdgeLimits:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.limiter = RateLimiter(settings.redis_url, namespace="gateway")
        self.per_ip = RateLimiter.item(settings.rate_limit_ip)
        self.per_user = RateLimiter.item(settings.rate_limit_user)
        self.credentials_per_ip = RateLimiter.item(settings.rate_limit_auth_ip)

    async def check_address(self, request: Request) -> None:
        ip = request_client_ip(request, self.settings.trusted_proxies)
        await self.limiter.hit(self.per_ip, f"ip:{ip}", "Too many requests from this address; slow down")
        if request.method == "POST" and request.scope["path"] in CREDENTIAL_PATHS:
            await self.limiter.hit(
                self.credentials_per_ip, f"credentials:{ip}", "Too many sign-in attempts from this address"
            )

    async def check_user(self, principal: Principal) -> None:
        await self.limiter.hit(self.per_user, f"user:{principal.user_id}", "Too many requests; slow down")
