"""The route table: longest prefix, timeouts per route, public paths."""

from __future__ import annotations

import pytest
from zimage_gateway.config import Settings
from zimage_gateway.routes import AUTH, GALLERY, IMAGE, RouteTable, has_dot_segments, is_public


@pytest.fixture
def table() -> RouteTable:
    return RouteTable(
        Settings(
            auth_service_url="http://auth:8001/",
            image_service_url="http://image:8002",
            gallery_service_url="http://gallery:8003",
            timeout_seconds=7,
            long_timeout_seconds=300,
        )
    )


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/api/v1/auth/login", AUTH),
        ("/api/v1/users/me", AUTH),
        ("/api/v1/.well-known/jwks.json", AUTH),
        ("/api/v1/admin/users", AUTH),
        ("/api/v1/admin/users/123", AUTH),
        ("/api/v1/admin/audit", AUTH),
        ("/api/v1/admin/stats", IMAGE),
        ("/api/v1/admin/system", IMAGE),
        ("/api/v1/generate", IMAGE),
        ("/api/v1/tasks", IMAGE),
        ("/api/v1/tasks/abc/cancel", IMAGE),
        ("/api/v1/images/generations", IMAGE),
        ("/api/v1/size-presets", IMAGE),
        ("/api/v1/objects/u/t/0.png", IMAGE),
        ("/api/v1/gallery/images/1", GALLERY),
        ("/api/v1/templates", GALLERY),
        ("/api/v1/presets/7", GALLERY),
    ],
)
def test_each_prefix_reaches_its_service(table: RouteTable, path: str, service: str) -> None:
    target = table.resolve("GET", path)
    assert target is not None
    assert target.service == service
    assert target.base_url == table.base_urls[service]
    assert not target.base_url.endswith("/")


@pytest.mark.parametrize(
    "path",
    ["/api/v1/generated", "/api/v1/admin", "/api/v1/admin/usersx", "/api/v1/nothing", "/api/v1/tasksx/1"],
)
def test_unknown_paths_resolve_to_nothing(table: RouteTable, path: str) -> None:
    assert table.resolve("GET", path) is None


def test_read_timeouts_follow_the_route(table: RouteTable) -> None:
    assert table.resolve("GET", "/api/v1/tasks/abc").read_timeout == 7  # type: ignore[union-attr]
    assert table.resolve("POST", "/api/v1/images/generations").read_timeout == 300  # type: ignore[union-attr]
    # Progress streams have no read timeout at all.
    assert table.resolve("GET", "/api/v1/tasks/abc/events").read_timeout is None  # type: ignore[union-attr]
    assert table.resolve("GET", "/api/v1/tasks/abc/events/x").read_timeout == 7  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/auth/register"),
        ("POST", "/api/v1/auth/login"),
        ("POST", "/api/v1/auth/refresh"),
        ("POST", "/api/v1/auth/logout"),
        ("GET", "/api/v1/.well-known/jwks.json"),
        ("GET", "/api/v1/size-presets"),
        ("HEAD", "/api/v1/size-presets"),
        ("GET", "/api/v1/objects/u/t/0.png"),
    ],
)
def test_public_requests(method: str, path: str) -> None:
    assert is_public(method, path)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/auth/login"),
        ("POST", "/api/v1/auth/loginx"),
        ("GET", "/api/v1/users/me"),
        ("POST", "/api/v1/size-presets"),
        ("DELETE", "/api/v1/objects/u/t/0.png"),
        ("GET", "/api/v1/tasks"),
        ("GET", "/api/v1/admin/users"),
        ("POST", "/api/v1/images/generations"),
    ],
)
def test_protected_requests(method: str, path: str) -> None:
    assert not is_public(method, path)


@pytest.mark.parametrize(
    ("path", "dotted"),
    [
        ("/api/v1/objects/../users/me", True),
        ("/api/v1/objects/./x", True),
        ("/api/v1/objects/..", True),
        ("/api/v1/objects/a..b", False),
        ("/api/v1/objects/.hidden", False),
    ],
)
def test_dot_segments(path: str, dotted: bool) -> None:
    assert has_dot_segments(path) is dotted
