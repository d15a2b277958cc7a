"""api-gateway: the one public API origin. Run with `uvicorn --factory zimage_gateway.main:create_app`."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from zimage_common import __version__
from zimage_common.errors import BadRequest, MethodNotAllowed, NotFound, Unauthorized, documented_methods
from zimage_common.observability import configure_logging
from zimage_common.service import API_PREFIX, ReadinessCheck, create_service_app
from zimage_common.tokens import Principal, RemoteJWKS, TokenVerifier, bearer_token, revocations_for

from zimage_gateway.config import Settings
from zimage_gateway.docs import OPENAPI_PATH, docs_router
from zimage_gateway.openapi import MergedSpec
from zimage_gateway.proxy import Proxy, new_upstream_client, new_upstream_transport
from zimage_gateway.ratelimits import EdgeLimits
from zimage_gateway.routes import RouteTable, Target, has_dot_segments, public_methods
from zimage_gateway.security import install_browser_protections

SERVICE = "api-gateway"
PROXY_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class PlatformHealth(BaseModel):
    status: Literal["ok", "degraded"]
    service: str
    version: str
    services: dict[str, str]


class Gateway:
    """What one gateway process holds: settings, the route table, the upstream client and its users."""

    def __init__(self, settings: Settings, own_spec: Any) -> None:
        self.settings = settings
        transport = new_upstream_transport(settings)
        self.client = new_upstream_client(settings, transport)
        self.routes = RouteTable(settings)
        self.revocations = revocations_for(settings.redis_url, settings.data_dir)
        self.limits = EdgeLimits(settings, self.revocations)
        self.proxy = Proxy(transport, settings)
        self.verifier = TokenVerifier(
            RemoteJWKS(settings.jwks_url),
            self.revocations,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )
        self.spec = MergedSpec(
            self.client,
            self.routes,
            own_spec,
            ttl=settings.openapi_cache_seconds,
            timeout=settings.health_timeout_seconds,
        )

    async def check_health(self, service: str) -> None:
        resp = await self.client.get(
            f"{self.routes.base_urls[service]}/health", timeout=self.settings.health_timeout_seconds
        )
        resp.raise_for_status()

    def health_checks(self) -> Mapping[str, ReadinessCheck]:
        return {service: functools.partial(self.check_health, service) for service in self.routes.base_urls}

    async def close(self) -> None:
        await self.client.aclose()
        await self.revocations.close()


async def get_gateway(request: Request) -> Gateway:
    # async: FastAPI runs a plain `def` dependency on a worker thread, a hop on every request
    gateway: Gateway = request.app.state.gateway
    return gateway


GatewayDep = Annotated[Gateway, Depends(get_gateway)]


async def limit_by_address(request: Request, gateway: GatewayDep) -> None:
    await gateway.limits.check_address(request)


async def resolve(request: Request, gateway: Gateway) -> tuple[Target, Principal | None]:
    """Where the request goes and, on a private route, who asks (revocation is `EdgeLimits.admit`'s to check)."""
    path = request.scope["path"]
    if has_dot_segments(path):
        raise BadRequest("Paths may not contain '.' or '..' segments")
    own = documented_methods(request)
    if own:  # /health: the gateway's own route, with another method
        raise MethodNotAllowed(own)
    target = gateway.routes.resolve(request.method, path)
    if target is None:
        raise NotFound(f"No API route for {path}")
    public = public_methods(path) - {"HEAD"}
    if public and not target.public:  # e.g. PUT /auth/login: no such route, whoever asks
        raise MethodNotAllowed(sorted(public))
    if target.public:
        return target, None
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise Unauthorized("Sign in required: send 'Authorization: Bearer <access token>'")
    return target, await gateway.verifier.principal(token)


def api_router(settings: Settings) -> APIRouter:
    # /health, /ready and /metrics live outside this router: they are never rate limited.
    router = APIRouter()
    # The proxy counts the address itself, with the user's budget, in one Redis round trip.
    own_routes = APIRouter(dependencies=[Depends(limit_by_address)])

    # Public: load balancers and the status page probe it without a token.
    @own_routes.get(
        f"{API_PREFIX}/health", tags=["gateway"], operation_id="gateway_health", openapi_extra={"security": []}
    )
    async def platform_health(gateway: GatewayDep) -> PlatformHealth:
        """The gateway and every service behind it, as the gateway sees them."""
        results: dict[str, str] = {}

        async def probe(service: str) -> None:
            try:
                await gateway.check_health(service)
                results[service] = "ok"
            except httpx.HTTPError as exc:
                results[service] = f"unavailable: {type(exc).__name__}"

        await asyncio.gather(*(probe(s) for s in gateway.routes.base_urls))
        return PlatformHealth(
            status="ok" if all(v == "ok" for v in results.values()) else "degraded",
            service=SERVICE,
            version=__version__,
            services=dict(sorted(results.items())),
        )

    if settings.docs_enabled:

        @own_routes.get(OPENAPI_PATH, include_in_schema=False)
        async def merged_openapi(gateway: GatewayDep) -> JSONResponse:
            return JSONResponse(await gateway.spec.get(), headers={"Cache-Control": "no-cache"})

        own_routes.include_router(docs_router())

    router.include_router(own_routes)

    @router.api_route(f"{API_PREFIX}/{{path:path}}", methods=PROXY_METHODS, include_in_schema=False)
    async def proxy(request: Request, gateway: GatewayDep) -> Response:
        try:
            target, principal = await resolve(request, gateway)
        except Exception:
            # a refused request still counts for its address, and an address out of budget hears 429 instead
            await gateway.limits.check_address(request)
            raise
        await gateway.limits.admit(request, principal)
        return await gateway.proxy.forward(request, target)

    return router


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(json_logs=settings.json_logs, level=settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        gateway = Gateway(settings, app.openapi)
        app.state.gateway = gateway
        try:
            yield
        finally:
            await gateway.close()

    app = create_service_app(
        SERVICE, docs=False, lifespan=lifespan, readiness=lambda app: app.state.gateway.health_checks()
    )
    app.state.settings = settings
    app.include_router(api_router(settings))
    install_browser_protections(app, settings)
    return app
