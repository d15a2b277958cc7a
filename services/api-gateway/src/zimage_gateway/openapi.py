"""One OpenAPI document for the whole API: every service's spec merged, cached for a short while."""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Callable
from typing import Any

import httpx
from zimage_common import __version__
from zimage_common.errors import ServiceUnavailable

from zimage_gateway.routes import RouteTable, is_public

Spec = dict[str, Any]
SCHEMA_REF = "#/components/schemas/"
BEARER = "bearerAuth"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _rewrite_refs(node: Any, renames: dict[str, str]) -> Any:
    if not renames:
        return node
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(SCHEMA_REF):
                name = value[len(SCHEMA_REF) :]
                out[key] = SCHEMA_REF + renames.get(name, name)
            else:
                out[key] = _rewrite_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def _service_prefix(service: str) -> str:
    return "".join(part.capitalize() for part in service.removesuffix("-service").split("-"))


def _schema_renames(service: str, schemas: dict[str, Any], merged: dict[str, Any]) -> dict[str, str]:
    """Names that clash with a different schema already merged, mapped to `<Service><Name>`.

    Repeats until stable: renaming one schema changes every schema that refers to it.
    """
    renames: dict[str, str] = {}
    while True:
        rewritten = _rewrite_refs(schemas, renames)
        clashes = [
            name
            for name, schema in rewritten.items()
            if name not in renames and name in merged and merged[name] != schema
        ]
        if not clashes:
            return renames
        taken = set(merged) | set(schemas) | set(renames.values())
        for name in clashes:
            candidate, n = f"{_service_prefix(service)}{name}", 2
            while candidate in taken:
                candidate, n = f"{_service_prefix(service)}{name}{n}", n + 1
            renames[name] = candidate
            taken.add(candidate)


def routed_paths(service: str, spec: Spec, owner: Callable[[str], str | None]) -> Spec:
    """The spec without paths the gateway does not send to `service` (unreachable from outside)."""
    paths = {path: item for path, item in spec.get("paths", {}).items() if owner(path) == service}
    return {**spec, "paths": paths}


ERROR_CONTENT = {"application/json": {"schema": {"$ref": SCHEMA_REF + "ErrorResponse"}}}
RETRY_AFTER = {"description": "Seconds to wait before trying again", "schema": {"type": "integer"}, "required": True}


def _add_edge_responses(operation: dict[str, Any]) -> None:
    """What the gateway itself may answer on any route: its rate limits, its body limit, a service down."""
    responses = operation.setdefault("responses", {})
    edge = {"429": "TooManyRequests", "503": "ServiceUnavailable"}
    if "requestBody" in operation:
        edge["413"] = "PayloadTooLarge"
    for status, code in edge.items():
        responses.setdefault(status, {"description": code, "content": ERROR_CONTENT})
    for status in ("429", "503"):
        responses[status].setdefault("headers", {})["Retry-After"] = RETRY_AFTER


def merge_specs(specs: list[tuple[str, Spec]]) -> Spec:
    """Merge (service, spec) pairs in order.

    Identical schemas collapse; a different schema under a name taken earlier becomes
    `<Service><Name>`, with that service's references rewritten. The first spec to list a path keeps it.
    """
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    security_schemes: dict[str, Any] = {}
    tags: dict[str, Any] = {}
    for service, spec in specs:
        components = spec.get("components", {})
        own_schemas = components.get("schemas", {})
        renames = _schema_renames(service, own_schemas, schemas)
        for name, schema in _rewrite_refs(own_schemas, renames).items():
            schemas.setdefault(renames.get(name, name), schema)
        for name, scheme in components.get("securitySchemes", {}).items():
            security_schemes.setdefault(name, scheme)
        for path, item in spec.get("paths", {}).items():
            paths.setdefault(path, _rewrite_refs(item, renames))
        for tag in spec.get("tags", []):
            tags.setdefault(tag["name"], tag)
    security_schemes[BEARER] = {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "Access token from POST /api/v1/auth/login",
    }
    for path, item in paths.items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            if "security" not in operation and not is_public(method, path):
                operation["security"] = [{BEARER: []}]
            _add_edge_responses(operation)
    merged: Spec = {
        "openapi": next((s["openapi"] for _, s in specs if "openapi" in s), "3.1.0"),
        "info": {
            "title": "zimage platform API",
            "version": __version__,
            "description": "Every service's API behind the gateway; send the access token as a bearer token.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(schemas.items())), "securitySchemes": security_schemes},
    }
    if tags:
        merged["tags"] = list(tags.values())
    return merged


class MergedSpec:
    """Fetches every service's /openapi.json, merges them, and keeps the result `ttl` seconds."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        routes: RouteTable,
        own_spec: Callable[[], Spec],
        *,
        ttl: float,
        timeout: float,
    ) -> None:
        self.client = client
        self.routes = routes
        self.own_spec = own_spec
        self.ttl = ttl
        self.timeout = timeout
        self._cached: Spec | None = None
        self._cached_at = 0.0
        self._lock = asyncio.Lock()

    async def _fetch(self, service: str) -> Spec | None:
        try:
            url = f"{self.routes.base_urls[service]}/openapi.json"
            resp = await self.client.get(url, timeout=self.timeout)
            resp.raise_for_status()
            spec = resp.json()
        except (httpx.HTTPError, ValueError):
            return None
        return spec if isinstance(spec, dict) else None

    async def get(self) -> Spec:
        async with self._lock:
            if self._cached is not None and time.monotonic() - self._cached_at < self.ttl:
                return self._cached
            services = list(self.routes.base_urls)
            fetched = await asyncio.gather(*(self._fetch(s) for s in services))
            down = [s for s, spec in zip(services, fetched, strict=True) if spec is None]
            if down:
                raise ServiceUnavailable(
                    f"The API description is incomplete: {', '.join(down)} "
                    f"{'is' if len(down) == 1 else 'are'} unavailable; try again shortly",
                    headers={"Retry-After": "5"},
                )
            specs = [
                (s, routed_paths(s, spec, self.routes.service_for))
                for s, spec in zip(services, fetched, strict=True)
                if spec is not None
            ]
            specs.append(("api-gateway", copy.deepcopy(self.own_spec())))
            self._cached = merge_specs(specs)
            self._cached_at = time.monotonic()
            return self._cached
