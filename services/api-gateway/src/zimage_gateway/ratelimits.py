"""Per-address, per-user and credential-endpoint budgets, counted in memory or in Redis."""

from __future__ import annotations

from starlette.requests import Request
from zimage_common.ratelimit import Budget, NotRevoked, RateLimiter
from zimage_common.tokens import Principal, Revocations

from zimage_gateway.config import Settings
from zimage_gateway.peers import request_client_ip
from zimage_gateway.routes import CREDENTIAL_PATHS


class EdgeLimits:
    def __init__(self, settings: Settings, revocations: Revocations) -> None:
        self.settings = settings
        self.revocations = revocations
        self.limiter = RateLimiter(settings.redis_url, namespace="gateway")
        self.per_ip = RateLimiter.item(settings.rate_limit_ip)
        self.per_user = RateLimiter.item(settings.rate_limit_user)
        self.credentials_per_ip = RateLimiter.item(settings.rate_limit_auth_ip)

    def address_budgets(self, request: Request) -> list[Budget]:
        ip = request_client_ip(request, self.settings.trusted_proxies)
        budgets = [Budget(self.per_ip, f"ip:{ip}", "Too many requests from this address; slow down")]
        if request.method == "POST" and request.scope["path"] in CREDENTIAL_PATHS:
            budgets.append(
                Budget(self.credentials_per_ip, f"credentials:{ip}", "Too many sign-in attempts from this address")
            )
        return budgets

    async def check_address(self, request: Request) -> None:
        await self.limiter.admit(*self.address_budgets(request))

    async def admit(self, request: Request, principal: Principal | None) -> None:
        """The address's budgets, then for a signed-in caller the session's revocation and the user's budget:
        in Redis one round trip for all of them."""
        steps: list[Budget | NotRevoked] = [*self.address_budgets(request)]
        if principal is not None:
            steps.append(NotRevoked(self.revocations, principal))
            steps.append(Budget(self.per_user, f"user:{principal.user_id}", "Too many requests; slow down"))
        await self.limiter.admit(*steps)
