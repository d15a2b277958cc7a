"""The shape every FastAPI service shares: errors, request ids, metrics, /health, /ready, /metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.responses import Response

from zimage_common import __version__
from zimage_common.errors import ErrorResponse, install_error_handlers
from zimage_common.observability import RequestContextMiddleware, metrics_response

ReadinessCheck = Callable[[], Awaitable[Any]]
API_PREFIX = "/api/v1"


def create_service_app(
    name: str,
    *,
    lifespan: Any = None,
    readiness: Callable[[FastAPI], Mapping[str, ReadinessCheck]] | None = None,
    docs: bool = True,
    version: str = __version__,
) -> FastAPI:
    app = FastAPI(
        title=f"zimage {name}",
        version=version,
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.service_name = name
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware, service=name)

    def openapi() -> dict[str, Any]:
        # Validation errors come back as {"error", "detail"}; say so instead of FastAPI's default shape.
        if app.openapi_schema is None:
            schema = FastAPI.openapi(app)
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            schemas["ErrorResponse"] = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
            ref = {"$ref": "#/components/schemas/ErrorResponse"}
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    response = operation.get("responses", {}).get("422")
                    if response:
                        response["content"] = {"application/json": {"schema": ref}}
                    if "requestBody" in operation:  # bytes that are not JSON at all
                        operation["responses"].setdefault(
                            "400", {"description": "BadRequest", "content": {"application/json": {"schema": ref}}}
                        )
            for unused in ("HTTPValidationError", "ValidationError"):
                schemas.pop(unused, None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": name, "version": version}

    @app.get("/ready", include_in_schema=False)
    async def ready() -> JSONResponse:
        checks = dict(readiness(app)) if readiness else {}
        results: dict[str, str] = {}

        async def run(check_name: str, check: ReadinessCheck) -> None:
            try:
                await asyncio.wait_for(check(), timeout=3)
                results[check_name] = "ok"
            except Exception as exc:
                results[check_name] = f"unavailable: {type(exc).__name__}"

        await asyncio.gather(*(run(n, c) for n, c in checks.items()))
        ok = all(v == "ok" for v in results.values())
        return JSONResponse(
            {"status": "ready" if ok else "unavailable", "service": name, "checks": results},
            status_code=200 if ok else 503,
        )

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return metrics_response()

    return app
