"""Registration, login, the caller's profile, and the public keys."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import jwt
import pytest
from zimage_auth.keys import thumbprint


async def test_register_login_and_me(api: Any, client: httpx.AsyncClient) -> None:
    email = api.unique_email("Mixed.Case")
    user = await api.register(email=email.upper(), display_name="  Ada Lovelace  ")
    assert user["email"] == email.lower()
    assert user["display_name"] == "Ada Lovelace"
    assert user["role"] == "user"
    assert user["is_active"] is True
    assert user["last_login_at"] is None
    assert "password" not in str(user)

    resp = await client.post(f"{api.API}/auth/login", json={"email": email, "password": api.PASSWORD})
    assert resp.status_code == 200, resp.text
    tokens = resp.json()
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 15 * 60
    assert resp.headers["cache-control"] == "no-store"

    me = await api.me(tokens["access_token"])
    assert me.status_code == 200, me.text
    assert me.json()["id"] == user["id"]
    assert me.json()["last_login_at"] is not None

    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["sub"] == user["id"]
    assert claims["typ"] == "access"
    assert claims["role"] == "user"
    assert claims["iss"] == "zimage-auth" and claims["aud"] == "zimage"
    assert uuid.UUID(claims["sid"]) and claims["jti"]
    assert claims["exp"] - claims["iat"] == 15 * 60
    refresh_claims = jwt.decode(tokens["refresh_token"], options={"verify_signature": False})
    assert refresh_claims["typ"] == "refresh"
    assert refresh_claims["sid"] == claims["sid"]


async def test_login_sets_a_strict_httponly_refresh_cookie(api: Any, client: httpx.AsyncClient) -> None:
    user = await api.register()
    resp = await client.post(f"{api.API}/auth/login", json={"email": user["email"], "password": api.PASSWORD})
    cookie = resp.headers["set-cookie"]
    assert cookie.startswith(f"zimage_refresh={resp.json()['refresh_token']};")
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "path=/api/v1/auth", "samesite=strict"} <= attributes
    assert "secure" not in attributes  # development settings; production defaults to Secure


async def test_duplicate_email_is_refused_case_insensitively(api: Any, client: httpx.AsyncClient) -> None:
    email = api.unique_email()
    await api.register(email=email)
    resp = await client.post(
        f"{api.API}/auth/register",
        json={"email": email.upper(), "password": api.PASSWORD, "display_name": "Second"},
    )
    assert resp.status_code == 409
    assert resp.json() == {
        "error": "EmailTaken",
        "detail": "An account with this email address already exists",
    }


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Short1!", "at least 10 characters"),
        ("x1" * 65, "at most 128 characters"),
        ("{local}-Rocks-99", "must not contain the name part of your email"),
        ("Password123", "too common"),
        ("onlyletterswithoutdigits", "a letter and a digit or symbol"),
        ("1234567890123", "a letter and a digit or symbol"),
    ],
)
async def test_weak_password_is_refused_with_the_reason(
    api: Any, client: httpx.AsyncClient, password: str, reason: str
) -> None:
    email = api.unique_email("weakling")
    resp = await client.post(
        f"{api.API}/auth/register",
        json={"email": email, "password": password.format(local=email.split("@")[0]), "display_name": "W"},
    )
    assert resp.status_code == 422
    body = resp.json()
    assert body["error"] == "WeakPassword"
    assert reason in body["detail"]
    # Nothing was written: the address is still free.
    await api.register(email=email)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not-an-email", "password": "Tangerine-bicycle-42", "display_name": "X"}, "email"),
        (
            {"email": "a@example.com", "password": "Tangerine-bicycle-42", "display_name": "   "},
            "display_name",
        ),
        (
            {"email": "a@example.com", "password": "Tangerine-bicycle-42", "display_name": "x" * 81},
            "display_name",
        ),
        (
            {
                "email": "a@example.com",
                "password": "Tangerine-bicycle-42",
                "display_name": "X",
                "role": "admin",
            },
            "role",
        ),
    ],
)
async def test_invalid_registration_names_the_field(
    api: Any, client: httpx.AsyncClient, payload: dict[str, str], field: str
) -> None:
    resp = await client.post(f"{api.API}/auth/register", json=payload)
    assert resp.status_code == 422
    assert resp.json()["error"] == "ValidationError"
    assert resp.json()["detail"].startswith(field)


async def test_wrong_password_and_unknown_email_answer_alike(api: Any, client: httpx.AsyncClient) -> None:
    user = await api.register()
    wrong = await client.post(f"{api.API}/auth/login", json={"email": user["email"], "password": "Nope-nope-123"})
    unknown = await client.post(
        f"{api.API}/auth/login", json={"email": api.unique_email("ghost"), "password": "Nope-nope-123"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert (
        wrong.json()
        == unknown.json()
        == {
            "error": "InvalidCredentials",
            "detail": "Email or password is incorrect",
        }
    )
    assert "set-cookie" not in wrong.headers


async def test_update_display_name(api: Any, client: httpx.AsyncClient) -> None:
    _, tokens = await api.signed_up()
    resp = await client.patch(
        f"{api.API}/users/me", json={"display_name": "  Grace  "}, headers=api.bearer(tokens["access_token"])
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["display_name"] == "Grace"
    assert (await api.me(tokens["access_token"])).json()["display_name"] == "Grace"

    forbidden = await client.patch(
        f"{api.API}/users/me", json={"role": "admin"}, headers=api.bearer(tokens["access_token"])
    )
    assert forbidden.status_code == 422
    assert (await api.me(tokens["access_token"])).json()["role"] == "user"


async def test_me_requires_a_token(api: Any, client: httpx.AsyncClient) -> None:
    resp = await client.get(f"{api.API}/users/me")
    assert resp.status_code == 401
    assert resp.json()["error"] == "Unauthorized"
    assert resp.headers["www-authenticate"] == "Bearer"


async def test_jwks_is_public_only_and_names_the_signing_key(api: Any, client: httpx.AsyncClient) -> None:
    root = await client.get("/.well-known/jwks.json")
    prefixed = await client.get(f"{api.API}/.well-known/jwks.json")
    assert root.status_code == prefixed.status_code == 200
    assert root.json() == prefixed.json()
    (key,) = root.json()["keys"]
    assert key["kty"] == "OKP" and key["crv"] == "Ed25519"
    assert key["use"] == "sig" and key["alg"] == "EdDSA"
    assert "d" not in key  # the private part never leaves
    assert key["kid"] == thumbprint(key)

    _, tokens = await api.signed_up()
    assert jwt.get_unverified_header(tokens["access_token"])["kid"] == key["kid"]
    claims = jwt.decode(
        tokens["access_token"],
        jwt.PyJWK(key).key,
        algorithms=["EdDSA"],
        audience="zimage",
        issuer="zimage-auth",
    )
    assert claims["typ"] == "access"


async def test_openapi_has_stable_operation_ids(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    operation_ids = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {
        "auth_register",
        "auth_login",
        "auth_refresh",
        "auth_logout",
        "users_me_get",
        "users_me_update",
        "auth_jwks",
    } <= operation_ids
    register_errors = spec["paths"]["/api/v1/auth/register"]["post"]["responses"]
    assert "EmailTaken" in register_errors["409"]["description"]
    assert register_errors["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")


async def test_ready_checks_the_database(client: httpx.AsyncClient) -> None:
    resp = await client.get("/ready")
    assert resp.status_code == 200
    assert resp.json()["checks"] == {"database": "ok"}
