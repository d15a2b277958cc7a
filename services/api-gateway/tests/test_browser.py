"""Security headers and CORS, as a browser sees them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

API_CSP = "default-src 'none'; frame-ancestors 'none'"
ALLOWED = "http://localhost:3000"


def _assert_security_headers(resp: httpx.Response) -> None:
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["referrer-policy"] == "no-referrer"
    assert resp.headers["x-frame-options"] == "DENY"
    assert resp.headers["cross-origin-resource-policy"] == "same-origin"
    assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]
    assert len(resp.headers.get_list("content-security-policy")) == 1


async def test_security_headers_on_every_kind_of_response(gateway: Any, auth_headers: dict[str, str]) -> None:
    async with gateway.client() as client:
        answers = {
            "proxied": await client.get("/api/v1/gallery/images", headers=auth_headers),
            "public": await client.get("/api/v1/size-presets"),
            "unauthorized": await client.get("/api/v1/gallery/images"),
            "not-found": await client.get("/api/v1/nowhere"),
            "outside-api": await client.get("/elsewhere"),
            "health": await client.get("/health"),
            "platform-health": await client.get("/api/v1/health"),
        }
    assert {k: r.status_code for k, r in answers.items()} == {
        "proxied": 200,
        "public": 200,
        "unauthorized": 401,
        "not-found": 404,
        "outside-api": 404,
        "health": 200,
        "platform-health": 200,
    }
    for name, resp in answers.items():
        _assert_security_headers(resp)
        assert resp.headers["content-security-policy"] == API_CSP, name
        assert "strict-transport-security" not in resp.headers, name


async def test_docs_page_gets_a_csp_that_loads_its_own_assets(gateway: Any) -> None:
    async with gateway.client() as client:
        resp = await client.get("/api/v1/docs")
    _assert_security_headers(resp)
    csp = resp.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]


@pytest.mark.parametrize(
    ("overrides", "headers", "hsts"),
    [
        ({}, {}, False),
        ({}, {"X-Forwarded-Proto": "https"}, False),  # an untrusted client cannot ask for it
        ({"behind_tls": True}, {}, True),
        ({"trusted_proxies": ["127.0.0.1/32"]}, {"X-Forwarded-Proto": "https"}, True),
        ({"trusted_proxies": ["127.0.0.1/32"]}, {"X-Forwarded-Proto": "http"}, False),
    ],
)
async def test_hsts_only_over_tls(start_gateway: Any, overrides: dict, headers: dict, hsts: bool) -> None:
    with start_gateway(**overrides) as gw:
        async with gw.client() as client:
            resp = await client.get("/api/v1/size-presets", headers=headers)
    assert ("max-age=" in resp.headers.get("strict-transport-security", "")) is hsts


async def test_cors_allowed_origin(gateway: Any, auth_headers: dict[str, str]) -> None:
    async with gateway.client() as client:
        preflight = await client.options(
            "/api/v1/gallery/images",
            headers={
                "Origin": ALLOWED,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        actual = await client.get("/api/v1/tasks/x/cookies", headers={**auth_headers, "Origin": ALLOWED})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ALLOWED
    assert preflight.headers["access-control-allow-credentials"] == "true"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    _assert_security_headers(preflight)
    assert actual.status_code == 200
    # The upstream's own `*` is dropped; the gateway answers with the exact origin.
    assert actual.headers.get_list("access-control-allow-origin") == [ALLOWED]
    assert actual.headers["access-control-allow-credentials"] == "true"
    exposed = {h.strip().lower() for h in actual.headers["access-control-expose-headers"].split(",")}
    assert {"x-request-id", "retry-after"} <= exposed


async def test_cors_other_origin(gateway: Any, auth_headers: dict[str, str]) -> None:
    evil = "https://evil.example"
    async with gateway.client() as client:
        preflight = await client.options(
            "/api/v1/gallery/images",
            headers={"Origin": evil, "Access-Control-Request-Method": "POST"},
        )
        actual = await client.get("/api/v1/tasks/x/cookies", headers={**auth_headers, "Origin": evil})
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    assert actual.status_code == 200
    assert "access-control-allow-origin" not in actual.headers


async def test_cors_origins_come_from_settings(start_gateway: Any) -> None:
    with start_gateway(cors_origins=["https://app.example.com"]) as gw:
        async with gw.client() as client:
            mine = await client.get("/api/v1/size-presets", headers={"Origin": "https://app.example.com"})
            dev = await client.get("/api/v1/size-presets", headers={"Origin": ALLOWED})
    assert mine.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "access-control-allow-origin" not in dev.headers
