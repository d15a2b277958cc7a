"""The merged OpenAPI document, the offline docs page, and the platform health view."""

# No `from __future__ import annotations`: FastAPI must resolve the models defined inside functions.

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from zimage_common.auth import CurrentUser
from zimage_common.errors import NotFound, error_responses
from zimage_common.service import create_service_app
from zimage_gateway.openapi import merge_specs

from tests.support.servers import ServerThread, serve

ErrorCheck = Callable[[httpx.Response, int, str], str]


def auth_app() -> FastAPI:
    class User(BaseModel):
        id: str
        email: str

    class Wrapper(BaseModel):
        user: User

    class Token(BaseModel):
        access_token: str

    app = create_service_app("auth-service")

    @app.post("/api/v1/auth/login", responses=error_responses(NotFound))
    async def login() -> Token:
        return Token(access_token="t")

    @app.get("/api/v1/users/me", responses=error_responses(NotFound))
    async def me(principal: CurrentUser) -> User:
        raise NotImplementedError

    @app.get("/api/v1/users/wrapped")
    async def wrapped() -> Wrapper:
        raise NotImplementedError

    return app


def image_app() -> FastAPI:
    class User(BaseModel):  # same name as auth's, different shape
        id: str
        name: str

    class Wrapper(BaseModel):  # same text as auth's, but its `User` is another schema
        user: User

    app = create_service_app("image-service")

    @app.get("/api/v1/tasks/{task_id}", responses=error_responses(NotFound))
    async def task(task_id: str) -> Wrapper:
        raise NotImplementedError

    @app.get("/api/v1/admin/stats")
    async def stats() -> User:
        raise NotImplementedError

    @app.get("/api/v1/size-presets")
    async def presets() -> list[str]:
        return []

    @app.get("/api/v1/gallery/not-mine")
    async def stray() -> dict[str, str]:
        return {}

    return app


def gallery_app() -> FastAPI:
    class Folder(BaseModel):
        id: str
        name: str

    app = create_service_app("gallery-service")

    @app.get("/api/v1/gallery/folders")
    async def folders() -> list[Folder]:
        return []

    return app


@dataclass
class SpecServers:
    auth: ServerThread
    image: ServerThread
    gallery: ServerThread

    def settings(self, **overrides: Any) -> dict[str, Any]:
        return {
            "auth_service_url": self.auth.url,
            "image_service_url": self.image.url,
            "gallery_service_url": self.gallery.url,
            **overrides,
        }


@pytest.fixture
def spec_servers() -> Iterator[SpecServers]:
    with serve(auth_app()) as a, serve(image_app()) as i, serve(gallery_app()) as g:
        yield SpecServers(a, i, g)


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _response_ref(spec: dict[str, Any], path: str, method: str = "get") -> str:
    content = spec["paths"][path][method]["responses"]["200"]["content"]["application/json"]
    return str(content["schema"]["$ref"])


async def test_merged_spec(start_gateway: Any, spec_servers: SpecServers) -> None:
    with start_gateway(**spec_servers.settings()) as gw:
        async with gw.client() as client:
            resp = await client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    spec = resp.json()
    schemas = spec["components"]["schemas"]

    assert spec["info"]["title"] == "zimage platform API"
    assert spec["info"]["version"]
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {
        "/api/v1/auth/login",
        "/api/v1/users/me",
        "/api/v1/users/wrapped",
        "/api/v1/tasks/{task_id}",
        "/api/v1/admin/stats",
        "/api/v1/size-presets",
        "/api/v1/gallery/folders",
        "/api/v1/health",  # the gateway's own
    }  # image-service's stray /api/v1/gallery/... is not routed to it, so it is not listed

    # Same name, different shape: the later service's schema is renamed and its references follow.
    assert set(schemas["User"]["properties"]) == {"id", "email"}
    assert set(schemas["ImageUser"]["properties"]) == {"id", "name"}
    assert _response_ref(spec, "/api/v1/users/me") == "#/components/schemas/User"
    assert _response_ref(spec, "/api/v1/admin/stats") == "#/components/schemas/ImageUser"
    # Same text, but pointing at the renamed schema: renamed too.
    assert schemas["Wrapper"]["properties"]["user"]["$ref"] == "#/components/schemas/User"
    assert schemas["ImageWrapper"]["properties"]["user"]["$ref"] == "#/components/schemas/ImageUser"
    assert _response_ref(spec, "/api/v1/tasks/{task_id}") == "#/components/schemas/ImageWrapper"
    # Identical schemas collapse into one.
    assert "ErrorResponse" in schemas and "Folder" in schemas
    assert not [name for name in schemas if re.fullmatch(r"(Auth|Image|Gallery)ErrorResponse", name)]
    # Every reference resolves.
    for ref in _refs(spec):
        assert ref.removeprefix("#/components/schemas/") in schemas, ref

    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "Access token from POST /api/v1/auth/login",
    }
    assert spec["paths"]["/api/v1/tasks/{task_id}"]["get"]["security"] == [{"bearerAuth": []}]
    assert spec["paths"]["/api/v1/users/me"]["get"]["security"]  # the service's own scheme is kept
    assert "security" not in spec["paths"]["/api/v1/auth/login"]["post"]
    assert "security" not in spec["paths"]["/api/v1/size-presets"]["get"]
    assert spec["paths"]["/api/v1/health"]["get"]["security"] == []  # public, and says so

    # What the gateway itself answers on any route is in every operation: its limits, a service down.
    for item in spec["paths"].values():
        for operation in item.values():
            responses = operation["responses"]
            for status in ("429", "503"):
                assert responses[status]["headers"]["Retry-After"]["required"] is True
            assert ("413" in responses) == ("requestBody" in operation)


async def test_spec_with_a_service_down_is_503(
    start_gateway: Any, spec_servers: SpecServers, closed_port_url: str, expect_error: ErrorCheck
) -> None:
    with start_gateway(**spec_servers.settings(image_service_url=closed_port_url)) as gw:
        async with gw.client() as client:
            resp = await client.get("/api/v1/openapi.json")
    detail = expect_error(resp, 503, "ServiceUnavailable")
    assert "image-service" in detail
    assert "auth-service" not in detail and "gallery-service" not in detail
    assert int(resp.headers["retry-after"]) > 0


@pytest.mark.parametrize(("ttl", "after_outage"), [(30, 200), (0, 503)])
async def test_spec_is_cached(start_gateway: Any, spec_servers: SpecServers, ttl: float, after_outage: int) -> None:
    gallery = ServerThread(gallery_app()).start()
    try:
        settings = spec_servers.settings(gallery_service_url=gallery.url, openapi_cache_seconds=ttl)
        with start_gateway(**settings) as gw:
            async with gw.client() as client:
                first = await client.get("/api/v1/openapi.json")
                gallery.stop()
                second = await client.get("/api/v1/openapi.json")
    finally:
        gallery.stop()
    assert first.status_code == 200
    assert second.status_code == after_outage
    if after_outage == 200:
        assert second.json() == first.json()


def test_renamed_schema_avoids_names_already_taken() -> None:
    auth = {"components": {"schemas": {"User": {"type": "object", "title": "A"}}}, "paths": {}}
    image = {
        "components": {
            "schemas": {
                "User": {"type": "object", "title": "B"},
                "ImageUser": {"type": "object", "title": "C"},
            }
        },
        "paths": {"/api/v1/tasks": {"get": {"responses": {"200": {"$ref": "#/components/schemas/User"}}}}},
    }
    merged = merge_specs([("auth-service", auth), ("image-service", image)])
    schemas = merged["components"]["schemas"]
    assert schemas["User"]["title"] == "A"
    assert schemas["ImageUser"]["title"] == "C"
    assert schemas["ImageUser2"]["title"] == "B"
    ref = merged["paths"]["/api/v1/tasks"]["get"]["responses"]["200"]["$ref"]
    assert ref == "#/components/schemas/ImageUser2"


async def test_docs_are_served_offline(gateway: Any) -> None:
    async with gateway.client() as client:
        page = await client.get("/api/v1/docs")
        sources = re.findall(r'(?:src|href|data-spec-url)="([^"]+)"', page.text)
        assets = {src: await client.get(src) for src in sources if src.startswith("/api/v1/docs/static/")}
        missing = await client.get("/api/v1/docs/static/%2e%2e%2fconftest.py")
        unknown = await client.get("/api/v1/docs/static/secrets.txt")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert sources and all(src.startswith("/api/v1/") for src in sources), sources  # no CDN, no other host
    assert "/api/v1/openapi.json" in sources
    assert set(assets) == {
        "/api/v1/docs/static/favicon.png",
        "/api/v1/docs/static/swagger-ui.css",
        "/api/v1/docs/static/swagger-ui-bundle.js",
        "/api/v1/docs/static/init.js",
    }
    for src, resp in assets.items():
        assert resp.status_code == 200, src
        assert resp.headers["x-content-type-options"] == "nosniff"
    bundle = assets["/api/v1/docs/static/swagger-ui-bundle.js"]
    assert bundle.headers["content-type"].startswith("text/javascript")
    assert "SwaggerUIBundle" in bundle.text and len(bundle.content) > 100_000
    assert "SwaggerUIBundle(" in assets["/api/v1/docs/static/init.js"].text
    assert assets["/api/v1/docs/static/swagger-ui.css"].headers["content-type"].startswith("text/css")
    assert missing.status_code in (400, 404)
    assert unknown.status_code == 404


async def test_docs_hidden_when_disabled(start_gateway: Any, expect_error: ErrorCheck) -> None:
    with start_gateway(docs_enabled=False) as gw:
        async with gw.client() as client:
            for path in ("/api/v1/docs", "/api/v1/docs/static/swagger-ui-bundle.js", "/api/v1/openapi.json"):
                expect_error(await client.get(path), 404, "NotFound")


async def test_platform_health(start_gateway: Any, upstreams: Any, closed_port_url: str) -> None:
    with start_gateway() as gw:
        async with gw.client() as client:
            healthy = await client.get("/api/v1/health")
            ready = await client.get("/ready")
    with start_gateway(gallery_service_url=closed_port_url) as gw:
        async with gw.client() as client:
            degraded = await client.get("/api/v1/health")
            not_ready = await client.get("/ready")
    assert healthy.status_code == 200
    assert healthy.json()["status"] == "ok"
    assert healthy.json()["services"] == {"auth-service": "ok", "gallery-service": "ok", "image-service": "ok"}
    assert ready.status_code == 200
    assert degraded.status_code == 200
    assert degraded.json()["status"] == "degraded"
    assert degraded.json()["services"]["gallery-service"].startswith("unavailable")
    assert degraded.json()["services"]["auth-service"] == "ok"
    assert not_ready.status_code == 503
    assert not_ready.json()["checks"]["gallery-service"].startswith("unavailable")
