"""Failed-login throttling per account and per client address (ASVS 6.1.1, 6.3.1)."""

from __future__ import annotations

import hashlib

from zimage_common.ratelimit import RateLimiter

from zimage_auth.config import Settings

ACCOUNT_MESSAGE = "Too many failed sign-in attempts for this account; wait before trying again"
ADDRESS_MESSAGE = "Too many failed sign-in attempts from your network address; wait before trying again"


def _account_key(normalised_email: str) -> str:
    # Hashed so the rate-limit store (Redis) never holds email addresses.
    return "account:" + hashlib.sha256(normalised_email.encode()).hexdigest()


class LoginThrottle:
    """Refuses before the password is checked; only failures count."""

    def __init__(self, limiter: RateLimiter, settings: Settings) -> None:
        self.limiter = limiter
        self.per_account = RateLimiter.item(settings.login_account_limit)
        self.per_address = RateLimiter.item(settings.login_ip_limit)

    async def check(self, normalised_email: str, client_ip: str | None) -> None:
        await self.limiter.check(self.per_account, _account_key(normalised_email), ACCOUNT_MESSAGE)
        if client_ip is not None:
            await self.limiter.check(self.per_address, f"ip:{client_ip}", ADDRESS_MESSAGE)

    async def record_failure(self, normalised_email: str, client_ip: str | None) -> None:
        await self.limiter.hit(self.per_account, _account_key(normalised_email), ACCOUNT_MESSAGE)
        if client_ip is not None:
            await self.limiter.hit(self.per_address, f"ip:{client_ip}", ADDRESS_MESSAGE)
