"""Tokens are checked at the edge: a bad one never reaches a service."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from zimage_common.tokens import SqliteRevocations

ErrorCheck = Callable[[httpx.Response, int, str], str]


def _unsigned(signing_key: Any) -> str:
    good = signing_key.mint()
    _, payload, _ = good.split(".")
    header = json.dumps({"alg": "none", "kid": signing_key.kid}).encode()
    return f"{base64.urlsafe_b64encode(header).rstrip(b'=').decode()}.{payload}."


BAD_TOKENS: dict[str, Callable[[Any], str]] = {
    "garbage": lambda key: "not-a-jwt",
    "expired": lambda key: key.mint(ttl=-120),
    "refresh-as-access": lambda key: key.mint(typ="refresh"),
    "wrong-key": lambda key: jwt.encode(
        {
            "iss": "zimage-auth",
            "aud": "zimage",
            "sub": str(uuid.uuid4()),
            "typ": "access",
            "sid": "s",
            "jti": "j",
            "iat": 0,
            "exp": 2**31,
        },
        Ed25519PrivateKey.generate(),
        algorithm="EdDSA",
        headers={"kid": key.kid},
    ),
    "unknown-kid": lambda key: jwt.encode(
        {"sub": "x"}, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": "nobody"}
    ),
    "hs256": lambda key: jwt.encode(
        {"iss": "zimage-auth", "aud": "zimage", "sub": str(uuid.uuid4()), "typ": "access"},
        "k" * 32,
        algorithm="HS256",
        headers={"kid": key.kid},
    ),
    "alg-none": _unsigned,
    "wrong-audience": lambda key: key.mint(aud="someone-else"),
    "wrong-issuer": lambda key: key.mint(iss="someone-else"),
}


@pytest.mark.parametrize("kind", sorted(BAD_TOKENS))
async def test_bad_token_is_401_at_the_edge(
    gateway: Any, upstreams: Any, signing_key: Any, kind: str, expect_error: ErrorCheck
) -> None:
    path = f"/api/v1/gallery/private/{uuid.uuid4().hex}"
    async with gateway.client() as client:
        resp = await client.get(path, headers={"Authorization": f"Bearer {BAD_TOKENS[kind](signing_key)}"})
    expect_error(resp, 401, "Unauthorized")
    assert resp.headers["www-authenticate"] == "Bearer"
    assert path not in upstreams.gallery.started


@pytest.mark.parametrize("header", [None, "", "Bearer", "Basic dXNlcjpwYXNz", "Token abc"])
async def test_missing_token_is_401(gateway: Any, upstreams: Any, header: str | None, expect_error: ErrorCheck) -> None:
    path = f"/api/v1/tasks/{uuid.uuid4().hex}"
    async with gateway.client() as client:
        resp = await client.get(path, headers={"Authorization": header} if header is not None else {})
    assert "Sign in required" in expect_error(resp, 401, "Unauthorized")
    assert path not in upstreams.image.started


async def test_logged_out_session_is_401(
    gateway: Any, upstreams: Any, signing_key: Any, expect_error: ErrorCheck
) -> None:
    sid = uuid.uuid4().hex
    token = signing_key.mint(sid=sid)
    path = f"/api/v1/gallery/images/{uuid.uuid4().hex}"
    async with gateway.client() as client:
        before = await client.get(path, headers={"Authorization": f"Bearer {token}"})
        await SqliteRevocations(gateway.settings.data_dir / "revocations.db").revoke_sessions([sid], 300)
        after = await client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert before.status_code == 200
    assert "Session has ended" in expect_error(after, 401, "Unauthorized")
    assert len(upstreams.gallery.calls_to(path)) == 1


async def test_valid_token_reaches_the_service_unchanged(
    gateway: Any, upstreams: Any, auth_headers: dict[str, str]
) -> None:
    path = f"/api/v1/users/me/{uuid.uuid4().hex}"
    async with gateway.client() as client:
        resp = await client.get(path, headers=auth_headers)
    assert resp.status_code == 200
    assert resp.json()["service"] == "auth-service"
    assert resp.json()["headers"]["authorization"] == [auth_headers["Authorization"]]


@pytest.mark.parametrize(
    ("method", "path", "service"),
    [
        ("POST", "/api/v1/auth/login", "auth"),
        ("POST", "/api/v1/auth/register", "auth"),
        ("POST", "/api/v1/auth/refresh", "auth"),
        ("POST", "/api/v1/auth/logout", "auth"),
        ("GET", "/api/v1/.well-known/jwks.json", "auth"),
        ("GET", "/api/v1/size-presets", "image"),
        ("GET", "/api/v1/objects/user/task/0.png", "image"),
    ],
)
async def test_public_routes_need_no_token(gateway: Any, upstreams: Any, method: str, path: str, service: str) -> None:
    async with gateway.client() as client:
        resp = await client.request(method, path, json={} if method == "POST" else None)
    assert resp.status_code == 200, resp.text
    assert resp.json()["service"] == f"{service}-service"
    assert resp.json()["path"] == path


async def test_public_path_with_wrong_method_is_405_at_the_edge(
    gateway: Any, upstreams: Any, expect_error: ErrorCheck
) -> None:
    # No route takes DELETE there, and the request never reaches a service without a token.
    async with gateway.client() as client:
        resp = await client.delete("/api/v1/objects/user/task/0.png")
        health = await client.put("/api/v1/health")
    expect_error(resp, 405, "MethodNotAllowed")
    assert resp.headers["allow"] == "GET"
    expect_error(health, 405, "MethodNotAllowed")
    assert health.headers["allow"] == "GET"
    assert not [c for c in upstreams.image.calls_to("/api/v1/objects/user/task/0.png") if c["method"] == "DELETE"]
