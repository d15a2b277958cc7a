"""Refresh rotation, reuse detection, logout, password change and deactivation end sessions at once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
import jwt
from sqlalchemy import update
from zimage_auth.config import Settings
from zimage_auth.sessions.models import RefreshToken
from zimage_auth.users import service as users
from zimage_common.db import Database, utcnow
from zimage_common.tokens import Revocations


def _sid(token: str) -> str:
    return str(jwt.decode(token, options={"verify_signature": False})["sid"])


async def test_refresh_rotates_within_the_family(api: Any) -> None:
    _, first = await api.signed_up()
    resp = await api.refresh(first["refresh_token"])
    assert resp.status_code == 200, resp.text
    second = resp.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert _sid(second["access_token"]) == _sid(first["access_token"])
    assert resp.headers["set-cookie"].startswith(f"zimage_refresh={second['refresh_token']};")
    assert (await api.me(second["access_token"])).status_code == 200
    # The earlier access token stays valid until it expires; rotation is not a logout.
    assert (await api.me(first["access_token"])).status_code == 200

    third = await api.refresh(second["refresh_token"])
    assert third.status_code == 200


async def test_refresh_from_the_cookie(api: Any, client: httpx.AsyncClient) -> None:
    user = await api.register()
    await client.post(f"{api.API}/auth/login", json={"email": user["email"], "password": api.PASSWORD})
    assert "zimage_refresh" in client.cookies
    resp = await client.post(f"{api.API}/auth/refresh")
    assert resp.status_code == 200, resp.text
    assert client.cookies["zimage_refresh"] == resp.json()["refresh_token"]

    client.cookies.clear()
    missing = await client.post(f"{api.API}/auth/refresh")
    assert missing.status_code == 401
    assert missing.json()["error"] == "InvalidRefreshToken"


async def test_replayed_refresh_token_revokes_the_family(api: Any) -> None:
    _, first = await api.signed_up()
    _, other_session = await api.signed_up()
    rotated = (await api.refresh(first["refresh_token"])).json()

    replay = await api.refresh(first["refresh_token"])
    assert replay.status_code == 401
    assert replay.json()["error"] == "RefreshTokenReused"

    # Everything of that family is dead at once: the newest refresh token and every access token.
    newest = await api.refresh(rotated["refresh_token"])
    assert newest.status_code == 401
    assert newest.json()["error"] == "InvalidRefreshToken"
    assert (await api.me(rotated["access_token"])).status_code == 401
    assert (await api.me(first["access_token"])).status_code == 401
    # Another user's session is untouched.
    assert (await api.me(other_session["access_token"])).status_code == 200


async def test_concurrent_rotation_of_one_token_has_one_winner(api: Any) -> None:
    _, tokens = await api.signed_up()
    results = await asyncio.gather(
        *(api.client.post(f"{api.API}/auth/refresh", json={"refresh_token": tokens["refresh_token"]}) for _ in range(4))
    )
    assert sorted(r.status_code for r in results) == [200, 401, 401, 401]
    # One rotation wins; the next finds the token used, which reads as theft and ends the family;
    # any later one finds the family ended.
    errors = [r.json()["error"] for r in results if r.status_code == 401]
    assert "RefreshTokenReused" in errors
    assert set(errors) <= {"RefreshTokenReused", "InvalidRefreshToken"}
    (winner,) = [r.json() for r in results if r.status_code == 200]
    assert (await api.me(winner["access_token"])).status_code == 401


async def test_session_ends_at_its_absolute_lifetime(api: Any, db: Database) -> None:
    _, tokens = await api.signed_up()
    sid = uuid.UUID(_sid(tokens["access_token"]))
    async with db.unit_of_work() as session:
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == sid)
            .values(family_expires_at=utcnow() - timedelta(seconds=1))
        )
    resp = await api.refresh(tokens["refresh_token"])
    assert resp.status_code == 401
    assert resp.json()["error"] == "InvalidRefreshToken"


async def test_logout_with_access_token_ends_the_session_at_once(api: Any, client: httpx.AsyncClient) -> None:
    user = await api.register()
    first = await api.login(user["email"])
    second = await api.login(user["email"])
    assert (await api.me(first["access_token"])).status_code == 200

    resp = await client.post(f"{api.API}/auth/logout", headers=api.bearer(first["access_token"]))
    assert resp.status_code == 204
    assert 'zimage_refresh=""' in resp.headers["set-cookie"] and "Max-Age=0" in resp.headers["set-cookie"]

    assert (await api.me(first["access_token"])).status_code == 401
    assert (await api.refresh(first["refresh_token"])).status_code == 401
    # Only that session ended.
    assert (await api.me(second["access_token"])).status_code == 200


async def test_logout_with_refresh_cookie_only(api: Any, client: httpx.AsyncClient) -> None:
    user = await api.register()
    resp = await client.post(f"{api.API}/auth/login", json={"email": user["email"], "password": api.PASSWORD})
    tokens = resp.json()
    assert (await client.post(f"{api.API}/auth/logout")).status_code == 204
    assert "zimage_refresh" not in client.cookies
    assert (await api.me(tokens["access_token"])).status_code == 401
    assert (await api.refresh(tokens["refresh_token"])).status_code == 401


async def test_logout_everywhere(api: Any, client: httpx.AsyncClient) -> None:
    user = await api.register()
    sessions = [await api.login(user["email"]) for _ in range(3)]
    resp = await client.post(
        f"{api.API}/auth/logout", json={"all": True}, headers=api.bearer(sessions[0]["access_token"])
    )
    assert resp.status_code == 204
    for tokens in sessions:
        assert (await api.me(tokens["access_token"])).status_code == 401
        assert (await api.refresh(tokens["refresh_token"])).status_code == 401
    assert (await api.login(user["email"]))["access_token"]


async def test_logout_without_credentials_is_401(api: Any, client: httpx.AsyncClient) -> None:
    resp = await client.post(f"{api.API}/auth/logout", headers=api.bearer("not-a-token"))
    assert resp.status_code == 401


async def test_password_change_keeps_this_session_and_ends_the_others(api: Any, client: httpx.AsyncClient) -> None:
    user = await api.register()
    mine = await api.login(user["email"])
    other = await api.login(user["email"])
    new_password = "Marmalade-orbit-77"

    wrong = await client.patch(
        f"{api.API}/users/me",
        json={"current_password": "Not-my-password-1", "new_password": new_password},
        headers=api.bearer(mine["access_token"]),
    )
    assert wrong.status_code == 403
    assert wrong.json()["error"] == "WrongCurrentPassword"
    weak = await client.patch(
        f"{api.API}/users/me",
        json={"current_password": api.PASSWORD, "new_password": "password123"},
        headers=api.bearer(mine["access_token"]),
    )
    assert weak.status_code == 422
    assert "too common" in weak.json()["detail"]
    assert (await api.me(other["access_token"])).status_code == 200  # failed attempts changed nothing

    resp = await client.patch(
        f"{api.API}/users/me",
        json={"current_password": api.PASSWORD, "new_password": new_password},
        headers=api.bearer(mine["access_token"]),
    )
    assert resp.status_code == 200, resp.text

    assert (await api.me(mine["access_token"])).status_code == 200
    assert (await api.refresh(mine["refresh_token"])).status_code == 200
    assert (await api.me(other["access_token"])).status_code == 401
    assert (await api.refresh(other["refresh_token"])).status_code == 401

    old = await client.post(f"{api.API}/auth/login", json={"email": user["email"], "password": api.PASSWORD})
    assert old.status_code == 401
    assert (await api.login(user["email"], new_password))["access_token"]


async def test_new_password_needs_the_current_one(api: Any, client: httpx.AsyncClient) -> None:
    _, tokens = await api.signed_up()
    resp = await client.patch(
        f"{api.API}/users/me",
        json={"new_password": "Marmalade-orbit-77"},
        headers=api.bearer(tokens["access_token"]),
    )
    assert resp.status_code == 422
    assert "current_password" in resp.json()["detail"]


async def test_deactivated_user_cannot_sign_in_or_use_old_tokens(
    api: Any, client: httpx.AsyncClient, db: Database, revocations: Revocations, migrated: Settings
) -> None:
    user, tokens = await api.signed_up()
    user_id = uuid.UUID(user["id"])
    async with db.unit_of_work() as session:
        await users.deactivate_user(
            session,
            revocations=revocations,
            revocation_ttl_seconds=migrated.revocation_ttl_seconds,
            user_id=user_id,
        )

    assert (await api.me(tokens["access_token"])).status_code == 401
    assert (await api.refresh(tokens["refresh_token"])).status_code == 401
    login = await client.post(f"{api.API}/auth/login", json={"email": user["email"], "password": api.PASSWORD})
    assert login.status_code == 403
    assert login.json()["error"] == "AccountDisabled"
    assert "access_token" not in login.text and "set-cookie" not in login.headers
    # The password is still checked first: a wrong one says nothing about the account's state.
    wrong = await client.post(f"{api.API}/auth/login", json={"email": user["email"], "password": "Wrong-pass-123"})
    assert wrong.status_code == 401

    async with db.unit_of_work() as session:
        await users.reactivate_user(session, revocations=revocations, user_id=user_id)
    fresh = await api.login(user["email"])
    assert (await api.me(fresh["access_token"])).status_code == 200
    # Sessions ended by the deactivation stay ended.
    assert (await api.me(tokens["access_token"])).status_code == 401
