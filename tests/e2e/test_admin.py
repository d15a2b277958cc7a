"""Administration end to end through the gateway: the real supervisor, every service, the Celery worker (tiny engine).

The RBAC matrix is generated from the merged OpenAPI spec, so a new admin route cannot escape it, and every route is
also called on its owning service directly, bypassing the gateway: the role is re-checked by the service itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from zimage_gateway.routes import AUTH, GALLERY, IMAGE, PREFIXES

from tests.support.stack import PASSWORD, Stack

pytestmark = pytest.mark.slow

PORT_OFFSET = {AUTH: 1, IMAGE: 2, GALLERY: 3}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data_dir: Path = tmp_path_factory.mktemp("stack-admin") / "data"
    data_dir.mkdir()
    s = Stack(data_dir).start()
    yield s
    s.stop()


def _admin_operations(spec: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, item in spec["paths"].items()
        if path.startswith("/api/v1/admin/")
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]


def _owner_url(stack: Stack, path: str) -> str:
    prefix = max((p for p in PREFIXES if path.startswith(p.path.rstrip("/"))), key=lambda p: len(p.path))
    return f"http://127.0.0.1:{stack.base + PORT_OFFSET[prefix.service]}"


def test_every_admin_route_answers_only_administrators(stack: Stack) -> None:
    with httpx.Client(timeout=60) as client:
        spec = client.get(f"{stack.api}/openapi.json").json()
        operations = _admin_operations(spec)
        # the routes issue 6 names; more may come, none may go
        assert {
            ("GET", "/api/v1/admin/users"),
            ("GET", "/api/v1/admin/users/{user_id}"),
            ("PATCH", "/api/v1/admin/users/{user_id}"),
            ("POST", "/api/v1/admin/users/{user_id}/password-reset"),
            ("GET", "/api/v1/admin/audit"),
            ("GET", "/api/v1/admin/stats"),
            ("GET", "/api/v1/admin/system"),
            ("GET", "/api/v1/admin/quotas/{user_id}"),
            ("PUT", "/api/v1/admin/quotas/{user_id}"),
        } <= set(operations), operations
        user = stack.user(client)
        _, admin = stack.admin(client)
        for method, template in operations:
            path = template.replace("{user_id}", str(uuid.uuid4()))
            body = {} if method in ("POST", "PUT", "PATCH") else None
            for base, where in ((f"http://127.0.0.1:{stack.base}", "gateway"), (_owner_url(stack, path), "service")):
                anonymous = client.request(method, base + path, json=body)
                assert anonymous.status_code == 401, (where, method, path, anonymous.text)
                refused = client.request(method, base + path, json=body, headers=user)
                assert refused.status_code == 403, (where, method, path, refused.text)
                assert refused.json()["error"] == "Forbidden"
                allowed = client.request(method, base + path, json=body, headers=admin)
                assert allowed.status_code not in (401, 403) and allowed.status_code < 500, (
                    where,
                    method,
                    path,
                    allowed.status_code,
                    allowed.text,
                )


def _me(client: httpx.Client, stack: Stack, headers: dict[str, str]) -> dict[str, Any]:
    r = client.get(f"{stack.api}/users/me", headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_an_administrator_runs_the_team(stack: Stack) -> None:
    with httpx.Client(timeout=60) as client:
        admin_email, admin = stack.admin(client)
        user = stack.user(client)
        me = _me(client, stack, user)
        uid = me["id"]
        started = datetime.now(UTC) - timedelta(minutes=1)

        # two images, as two tasks, through the real worker
        for seed in (1, 2):
            r = client.post(f"{stack.api}/generate", headers=user, json={"prompt": "봄 세일 배너", "seed": seed})
            assert r.status_code == 202, r.text
            assert stack.wait_task(client, user, r.json()["id"])["status"] == "completed"

        # usage: the stats for this user count exactly those tasks; the team table shows them
        window = {"from": started.isoformat(), "to": (datetime.now(UTC) + timedelta(minutes=1)).isoformat()}
        stats = client.get(
            f"{stack.api}/admin/stats", headers=admin, params={**window, "bucket": "hour", "user_id": uid}
        )
        assert stats.status_code == 200, stats.text
        totals = stats.json()["totals"]
        assert (totals["images"], totals["tasks"], totals["failures"], totals["active_users"]) == (2, 2, 0, 1)
        assert totals["gpu_seconds"] > 0 and totals["queue_wait_p95"] is not None
        assert sum(b["images"] for b in stats.json()["series"]) == 2
        everyone = client.get(f"{stack.api}/admin/stats", headers=admin, params={**window, "bucket": "hour"}).json()
        assert {"user_id": uid, "images": 2} in [
            {k: t[k] for k in ("user_id", "images")} for t in everyone["top_users"]
        ]
        listed = client.get(f"{stack.api}/admin/users", headers=admin, params={"q": me["email"]}).json()
        assert [(u["id"], u["images_this_month"]) for u in listed["items"]] == [(uid, 2)] and listed["total"] == 1
        ranked = client.get(
            f"{stack.api}/admin/users", headers=admin, params={"sort": "images_this_month", "order": "desc", "limit": 1}
        ).json()
        assert ranked["items"][0]["images_this_month"] >= 2 and ranked["next_cursor"]

        # quota: an override takes effect on the very next submit, both ways
        quota = f"{stack.api}/admin/quotas/{uid}"
        r = client.put(quota, headers=admin, json={"images_per_day": 2, "max_active_tasks": None})
        assert r.status_code == 200 and r.json()["effective_images_per_day"] == 2, r.text
        over = client.post(f"{stack.api}/generate", headers=user, json={"prompt": "한 장 더"})
        assert over.status_code == 429 and "Retry-After" in over.headers, over.text
        r = client.put(quota, headers=admin, json={"images_per_day": 10, "max_active_tasks": None})
        assert r.status_code == 200 and r.json()["images_today"] == 2, r.text
        again = client.post(f"{stack.api}/generate", headers=user, json={"prompt": "한 장 더"})
        assert again.status_code == 202, again.text
        stack.wait_task(client, user, again.json()["id"])

        # an admin cannot lock themselves out
        me_admin = _me(client, stack, admin)
        selfish = client.patch(f"{stack.api}/admin/users/{me_admin['id']}", headers=admin, json={"is_active": False})
        assert selfish.status_code == 409 and selfish.json()["error"] == "CannotChangeOwnAccount"

        # deactivation: the user's very next call fails, on every service
        r = client.patch(f"{stack.api}/admin/users/{uid}", headers=admin, json={"is_active": False})
        assert r.status_code == 200 and r.json()["is_active"] is False, r.text
        for path in ("/users/me", "/tasks", "/gallery/images"):
            assert client.get(f"{stack.api}{path}", headers=user).status_code == 401, path
        login = client.post(f"{stack.api}/auth/login", json={"email": me["email"], "password": PASSWORD})
        assert login.status_code == 403 and login.json()["error"] == "AccountDisabled"
        assert (
            client.patch(f"{stack.api}/admin/users/{uid}", headers=admin, json={"is_active": True}).status_code == 200
        )

        # a one-time password-reset link: works once, ends the old password
        link = client.post(f"{stack.api}/admin/users/{uid}/password-reset", headers=admin)
        assert link.status_code == 200, link.text
        token = link.json()["token"]
        assert link.json()["reset_url"].endswith(f"/reset-password?token={token}")
        new_password = "Fresh-spring-campaign-7"
        body = {"token": token, "new_password": new_password}
        assert client.post(f"{stack.api}/auth/password-reset", json=body).status_code == 204
        reused = client.post(f"{stack.api}/auth/password-reset", json=body)
        assert reused.status_code == 400 and reused.json()["error"] == "InvalidResetToken"
        old = client.post(f"{stack.api}/auth/login", json={"email": me["email"], "password": PASSWORD})
        assert old.status_code == 401
        new = client.post(f"{stack.api}/auth/login", json={"email": me["email"], "password": new_password})
        assert new.status_code == 200

        # every admin action above is in the audit log, with who, what and from where; nothing edits it
        audit = client.get(f"{stack.api}/admin/audit", headers=admin, params={"target_id": uid}).json()["items"]
        assert [(a["action"], a["service"]) for a in reversed(audit)] == [
            ("quota.update", "image-service"),
            ("quota.update", "image-service"),
            ("user.update", "auth-service"),
            ("user.update", "auth-service"),
            ("user.password_reset", "auth-service"),
        ]
        assert {a["actor_email"] for a in audit} == {admin_email}
        assert {a["ip"] for a in audit} == {"127.0.0.1"}
        assert audit[1]["detail"]["is_active"] == {"from": False, "to": True}  # newest first: the reactivation
        assert "token" not in str(audit[0]["detail"])
        for method in ("PATCH", "DELETE", "PUT"):
            assert client.request(method, f"{stack.api}/admin/audit/{audit[0]['id']}", headers=admin).status_code in (
                404,
                405,
            )

        # the system page: every service up, the worker online with its engine
        system = client.get(f"{stack.api}/admin/system", headers=admin)
        assert system.status_code == 200, system.text
        data = system.json()
        statuses = {s["name"]: s["status"] for s in data["services"]}
        assert statuses == dict.fromkeys(("gateway", "auth", "image", "gallery"), "ok"), data["services"]
        online = [w for w in data["workers"] if w["online"]]
        assert len(online) == 1 and online[0]["engine"] == "tiny" and online[0]["tasks_done"] >= 3, data["workers"]
        assert data["queue"] == {"pending": 0, "processing": 0}
