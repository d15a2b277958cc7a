"""Admin user management, password-reset links and the audit log, on SQLite and PostgreSQL.

The team table asks image-service for each user's images this month, so these tests run the real image-service
beside auth-service (same service token), exactly as `make dev` wires them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import text, update
from zimage_auth.config import Settings
from zimage_auth.password_resets.models import PasswordReset
from zimage_auth.users.service import create_or_promote_admin
from zimage_common.db import Database, utcnow
from zimage_common.migrations import upgrade
from zimage_common.tokens import Principal, Revocations
from zimage_image.config import Settings as ImageSettings
from zimage_image.database import migration_target as image_migration_target
from zimage_image.main import create_app as create_image_app

from tests.support.servers import ServerThread, free_port, serve

INTERNAL_TOKEN = "auth-admin-tests-internal-token-" + "5" * 8
IMAGE_PORT = free_port()


@pytest.fixture
def server_overrides() -> dict[str, Any]:
    return {"internal_token": INTERNAL_TOKEN, "image_service_url": f"http://127.0.0.1:{IMAGE_PORT}"}


@pytest.fixture
def image_server(migrated: Settings, data_dir: Path) -> Iterator[ServerThread]:
    image_settings = ImageSettings(
        database_url=migrated.database_url,
        data_dir=data_dir,
        redis_url=None,
        internal_token=INTERNAL_TOKEN,
        auth_service_url="http://127.0.0.1:1",  # never needed: these tests call only its internal route
        trusted_proxies=[],
    )
    upgrade(image_migration_target(image_settings))
    with serve(create_image_app(image_settings), port=IMAGE_PORT) as running:
        yield running


class Team:
    """An admin and helpers over the admin routes."""

    def __init__(self, api: Any, db: Database, revocations: Revocations) -> None:
        self.api, self.db, self.revocations = api, db, revocations
        self.client: httpx.AsyncClient = api.client

    async def admin(self) -> tuple[str, dict[str, str]]:
        email = self.api.unique_email("admin")
        async with self.db.unit_of_work() as session:
            user, _ = await create_or_promote_admin(
                session, revocations=self.revocations, email=email, password=self.api.PASSWORD, display_name="Admin"
            )
            admin_id = str(user.id)
        tokens = await self.api.login(email)
        return admin_id, self.api.bearer(tokens["access_token"])

    async def call(self, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> httpx.Response:
        return await self.client.request(method, f"{self.api.API}{path}", headers=headers, **kwargs)

    async def ok(self, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> Any:
        resp = await self.call(method, path, headers, **kwargs)
        assert resp.status_code in (200, 204), (method, path, resp.status_code, resp.text)
        return resp.json() if resp.content else None


@pytest.fixture
async def team(api: Any, db: Database, revocations: Revocations, image_server: ServerThread) -> Team:
    return Team(api, db, revocations)


async def test_team_table_searches_filters_sorts_and_pages(team: Team, api: Any) -> None:
    _, admin = await team.admin()
    tag = uuid.uuid4().hex[:8]
    people = []
    for name in ("가나다", "Bora", "chul", "Dami"):
        people.append(await api.register(email=api.unique_email(f"{tag}-{name.lower()}"), display_name=f"{name} {tag}"))
    await api.login(people[1]["email"])  # one has signed in; the others sort after it (no last login)
    await team.ok("PATCH", f"/admin/users/{people[3]['id']}", admin, json={"is_active": False})

    found = await team.ok("GET", "/admin/users", admin, params={"q": tag.upper(), "sort": "email", "order": "asc"})
    by_email = [p["id"] for p in sorted(people, key=lambda p: p["email"])]
    assert [u["id"] for u in found["items"]] == by_email and found["total"] == 4
    assert all(u["images_this_month"] == 0 for u in found["items"]) and found["next_cursor"] is None
    by_name = await team.ok("GET", "/admin/users", admin, params={"q": "가나", "sort": "display_name"})
    assert [u["id"] for u in by_name["items"] if tag in u["display_name"]] == [people[0]["id"]]
    inactive = await team.ok("GET", "/admin/users", admin, params={"q": tag, "active": "false"})
    assert [u["id"] for u in inactive["items"]] == [people[3]["id"]]
    assert (await team.ok("GET", "/admin/users", admin, params={"q": tag, "role": "admin"}))["items"] == []
    logins = await team.ok("GET", "/admin/users", admin, params={"q": tag, "sort": "last_login_at", "order": "desc"})
    assert logins["items"][0]["id"] == people[1]["id"]
    assert [u["last_login_at"] is None for u in logins["items"]] == [False, True, True, True]
    by_ids = await team.ok("GET", "/admin/users", admin, params={"ids": f"{people[2]['id']},{people[0]['id']}"})
    assert {u["id"] for u in by_ids["items"]} == {people[0]["id"], people[2]["id"]}

    for sort in ("email", "images_this_month"):
        seen, cursor = [], None
        while True:
            params = {"q": tag, "sort": sort, "limit": 3, **({"cursor": cursor} if cursor else {})}
            page = await team.ok("GET", "/admin/users", admin, params=params)
            seen += [u["id"] for u in page["items"]]
            if not (cursor := page["next_cursor"]):
                break
        assert sorted(seen) == sorted(p["id"] for p in people) and len(seen) == 4, sort

    for params, error in (
        ({"cursor": "garbage"}, "InvalidCursor"),
        ({"ids": "not-a-uuid"}, "BadRequest"),
        ({"sort": "password_hash"}, "ValidationError"),
        ({"limit": 0}, "ValidationError"),
    ):
        resp = await team.call("GET", "/admin/users", admin, params=params)
        assert resp.status_code in (400, 422) and resp.json()["error"] == error, (params, resp.text)
    missing = await team.call("GET", f"/admin/users/{uuid.uuid4()}", admin)
    assert missing.status_code == 404 and missing.json()["error"] == "UserNotFound"


async def test_role_changes_end_a_demoted_admins_sessions_and_guard_the_last_admin(
    team: Team, api: Any, db: Database
) -> None:
    admin_id, admin = await team.admin()
    user, tokens = await api.signed_up()
    promoted = await team.ok("PATCH", f"/admin/users/{user['id']}", admin, json={"role": "admin"})
    assert promoted["role"] == "admin"
    # a new sign-in carries the role; demotion ends it at once
    as_admin = api.bearer((await api.login(user["email"]))["access_token"])
    assert (await team.call("GET", "/admin/users", as_admin)).status_code == 200
    await team.ok("PATCH", f"/admin/users/{user['id']}", admin, json={"role": "user"})
    assert (await team.call("GET", "/admin/users", as_admin)).status_code == 401
    assert (await api.me(tokens["access_token"])).status_code == 401

    for body in ({"role": "user"}, {"is_active": False}):
        own = await team.call("PATCH", f"/admin/users/{admin_id}", admin, json=body)
        assert own.status_code == 409 and own.json()["error"] == "CannotChangeOwnAccount"
    # with every other administrator gone, the last one cannot be demoted by anyone
    other_id, other = await team.admin()
    async with db.unit_of_work() as session:
        await session.execute(
            text("UPDATE users SET is_active = :off WHERE role = 'admin' AND id NOT IN (:a, :b)"),
            {"off": False, "a": admin_id, "b": other_id},
        )
    await team.ok("PATCH", f"/admin/users/{other_id}", admin, json={"role": "user"})
    resp = await team.call("PATCH", f"/admin/users/{admin_id}", other, json={"is_active": False})
    assert resp.status_code in (401, 403)  # the demoted admin's token died with the demotion
    assert (await team.ok("GET", f"/admin/users/{admin_id}", admin))["role"] == "admin"
    bad = await team.call("PATCH", f"/admin/users/{user['id']}", admin, json={"role": "owner"})
    assert bad.status_code == 422


async def test_reviewer_role_round_trip(team: Team, api: Any) -> None:
    """user -> reviewer keeps the sessions (the old token only had less); the token carries the role; reviewer ->
    user and admin -> reviewer end them; reviewers are no administrators; the self guard holds for reviewer too."""
    admin_id, admin = await team.admin()
    user, tokens = await api.signed_up()
    path = f"/admin/users/{user['id']}"
    assert (await team.ok("PATCH", path, admin, json={"role": "reviewer"}))["role"] == "reviewer"
    assert (await api.me(tokens["access_token"])).status_code == 200
    listed = await team.ok("GET", "/admin/users", admin, params={"role": "reviewer", "q": user["email"]})
    assert [u["id"] for u in listed["items"]] == [user["id"]]

    token = (await api.login(user["email"]))["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["role"] == "reviewer"
    principal = Principal(uuid.UUID(user["id"]), claims["role"], "s", "t", 0)
    assert principal.is_reviewer and not principal.is_admin
    assert (await api.me(token)).json()["role"] == "reviewer"
    assert (await team.call("GET", "/admin/users", api.bearer(token))).status_code == 403

    await team.ok("PATCH", path, admin, json={"role": "user"})
    assert (await api.me(token)).status_code == 401

    await team.ok("PATCH", path, admin, json={"role": "admin"})
    as_admin = (await api.login(user["email"]))["access_token"]
    assert Principal(uuid.UUID(user["id"]), "admin", "s", "t", 0).is_reviewer
    await team.ok("PATCH", path, admin, json={"role": "reviewer"})
    assert (await api.me(as_admin)).status_code == 401

    own = await team.call("PATCH", f"/admin/users/{admin_id}", admin, json={"role": "reviewer"})
    assert own.status_code == 409 and own.json()["error"] == "CannotChangeOwnAccount"
    roles = [
        r["detail"]["role"]
        for r in (
            await team.ok("GET", "/admin/audit", admin, params={"target_id": user["id"], "action": "user.update"})
        )["items"]
    ]
    assert roles[::-1] == [
        {"from": "user", "to": "reviewer"},
        {"from": "reviewer", "to": "user"},
        {"from": "user", "to": "admin"},
        {"from": "admin", "to": "reviewer"},
    ]


async def test_a_password_reset_link_works_once_and_ends_every_session(team: Team, api: Any, db: Database) -> None:
    _, admin = await team.admin()
    user, tokens = await api.signed_up()
    first = await team.ok("POST", f"/admin/users/{user['id']}/password-reset", admin)
    link = await team.ok("POST", f"/admin/users/{user['id']}/password-reset", admin)
    assert link["reset_url"] == f"http://localhost:3000/reset-password?token={link['token']}"

    new_password = "Autumn-lantern-festival-9"
    redeem = f"{api.API}/auth/password-reset"
    voided = await api.client.post(redeem, json={"token": first["token"], "new_password": new_password})
    assert voided.status_code == 400 and voided.json()["error"] == "InvalidResetToken"  # a newer link voids it
    weak = await api.client.post(redeem, json={"token": link["token"], "new_password": "short"})
    assert weak.status_code == 422 and weak.json()["error"] == "WeakPassword"
    assert (
        await api.client.post(redeem, json={"token": link["token"], "new_password": new_password})
    ).status_code == 204
    again = await api.client.post(redeem, json={"token": link["token"], "new_password": new_password})
    assert again.status_code == 400 and again.json()["error"] == "InvalidResetToken"
    assert (await api.me(tokens["access_token"])).status_code == 401
    assert (
        await api.client.post(f"{api.API}/auth/login", json={"email": user["email"], "password": api.PASSWORD})
    ).status_code == 401
    await api.login(user["email"], new_password)

    expired = await team.ok("POST", f"/admin/users/{user['id']}/password-reset", admin)
    async with db.unit_of_work() as session:
        await session.execute(
            update(PasswordReset)
            .where(PasswordReset.user_id == uuid.UUID(user["id"]))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    late = await api.client.post(redeem, json={"token": expired["token"], "new_password": "Winter-harbour-lights-3"})
    assert late.status_code == 400
    unknown = await team.call("POST", f"/admin/users/{uuid.uuid4()}/password-reset", admin)
    assert unknown.status_code == 404

    audit = await team.ok("GET", "/admin/audit", admin, params={"target_id": user["id"]})
    assert [a["action"] for a in audit["items"]] == ["user.password_reset"] * 3
    assert all(link["token"] not in str(a) and first["token"] not in str(a) for a in audit["items"])


async def test_the_audit_log_is_filtered_paged_and_fed_only_with_the_service_token(team: Team, api: Any) -> None:
    admin_id, admin = await team.admin()
    target = str(uuid.uuid4())
    internal = f"{api.client.base_url}/internal/v1/audit"
    entry = {
        "actor_id": admin_id,
        "action": "quota.update",
        "target_type": "user",
        "target_id": target,
        "ip": "192.0.2.7",
        "service": "image-service",
        "detail": {"images_per_day": {"from": None, "to": 50}},
    }
    for headers in ({}, {"X-Internal-Token": "wrong"}):
        assert (await api.client.post(internal, json=entry, headers=headers)).status_code == 401
    bad = await api.client.post(
        internal, json={**entry, "action": "DROP TABLE"}, headers={"X-Internal-Token": INTERNAL_TOKEN}
    )
    assert bad.status_code == 422
    for _ in range(5):
        assert (
            await api.client.post(internal, json=entry, headers={"X-Internal-Token": INTERNAL_TOKEN})
        ).status_code == 204
    await team.ok("PATCH", f"/admin/users/{admin_id}", admin, json={"role": "admin"})  # no change: not audited

    rows = await team.ok("GET", "/admin/audit", admin, params={"target_id": target, "limit": 2})
    seen, cursor = rows["items"], rows["next_cursor"]
    while cursor:
        page = await team.ok("GET", "/admin/audit", admin, params={"target_id": target, "limit": 2, "cursor": cursor})
        seen, cursor = seen + page["items"], page["next_cursor"]
    assert len(seen) == 5 and len({r["id"] for r in seen}) == 5
    assert [r["at"] for r in seen] == sorted((r["at"] for r in seen), reverse=True)
    row = seen[0]
    assert (row["actor_id"], row["ip"], row["service"], row["target_type"]) == (
        admin_id,
        "192.0.2.7",
        "image-service",
        "user",
    )
    assert row["actor_email"].startswith("admin-") and row["detail"] == entry["detail"]

    for params, count in (
        ({"action": "quota"}, 5),
        ({"action": "quota.update"}, 5),
        ({"action": "user"}, 0),
        ({"actor_id": str(uuid.uuid4())}, 0),
        ({"from": "2999-01-01T00:00:00"}, 0),
        ({"to": "2000-01-01"}, 0),
    ):
        got = await team.ok("GET", "/admin/audit", admin, params={"target_id": target, **params})
        assert len(got["items"]) == count, params
    assert (await team.call("GET", "/admin/audit", admin, params={"cursor": "garbage"})).status_code == 400
    user_tokens = (await api.signed_up())[1]
    assert (await team.call("GET", "/admin/audit", api.bearer(user_tokens["access_token"]))).status_code == 403
    assert (await team.call("GET", "/admin/audit", {})).status_code == 401
