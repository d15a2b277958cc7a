"""auth-service composition root: `uvicorn --factory zimage_auth.main:create_app --no-proxy-headers`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from fastapi import FastAPI
from zimage_common.db import Database
from zimage_common.observability import configure_logging
from zimage_common.ratelimit import RateLimiter
from zimage_common.service import API_PREFIX, ReadinessCheck, create_service_app
from zimage_common.tokens import StaticKeys, TokenVerifier, revocations_for

from zimage_auth import jwks
from zimage_auth.admin.router import router as admin_users_router
from zimage_auth.admin.usage import UsageClient
from zimage_auth.audit.router import internal_router as audit_internal_router
from zimage_auth.audit.router import router as audit_router
from zimage_auth.config import Settings
from zimage_auth.keys import load_signing_key
from zimage_auth.password_resets.router import router as password_resets_router
from zimage_auth.sessions.router import router as sessions_router
from zimage_auth.sessions.throttle import LoginThrottle
from zimage_auth.sessions.tokens import TokenIssuer
from zimage_auth.users import passwords
from zimage_auth.users.router import router as users_router


def _readiness(app: FastAPI) -> Mapping[str, ReadinessCheck]:
    checks: dict[str, ReadinessCheck] = {"database": app.state.db.ping}
    if app.state.settings.redis_url:
        limiter: RateLimiter = app.state.login_throttle.limiter

        async def redis() -> None:
            if not await limiter.storage.check():
                raise ConnectionError("Redis did not answer")

        checks["redis"] = redis
    return checks


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(json_logs=settings.json_logs, level=settings.log_level)
    signing_key = load_signing_key(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.db = Database(settings.resolved_database_url(), settings.database_schema)
        revocations = revocations_for(settings.redis_url, settings.data_dir)
        app.state.verifier = TokenVerifier(
            StaticKeys(signing_key.jwks()),
            revocations,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )
        limiter = RateLimiter(settings.redis_url, namespace="zimage-auth-login")
        app.state.login_throttle = LoginThrottle(limiter, settings)
        app.state.usage = UsageClient(settings.image_service_url, settings.internal_token)
        await passwords.warm_up()
        try:
            yield
        finally:
            await app.state.usage.close()
            await revocations.close()
            await app.state.db.dispose()

    app = create_service_app("auth-service", lifespan=lifespan, readiness=_readiness, docs=not settings.production)
    app.state.settings = settings
    app.state.signing_key = signing_key
    app.state.tokens = TokenIssuer(signing_key, settings)
    app.include_router(users_router, prefix=API_PREFIX)
    app.include_router(sessions_router, prefix=API_PREFIX)
    app.include_router(password_resets_router, prefix=API_PREFIX)
    app.include_router(admin_users_router, prefix=API_PREFIX)
    app.include_router(audit_router, prefix=API_PREFIX)
    app.include_router(audit_internal_router)
    app.include_router(jwks.router, prefix=API_PREFIX)
    app.include_router(jwks.root_router)
    return app
