"""Sign-in on every public route, owner-only access (404 for others' tasks, P5), own history with cursors."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/generate"),
        ("GET", "/api/v1/tasks"),
        ("GET", "/api/v1/tasks/{id}"),
        ("POST", "/api/v1/tasks/{id}/cancel"),
        ("GET", "/api/v1/tasks/{id}/events"),
        ("POST", "/api/v1/images/generations"),
    ],
)
async def test_routes_need_a_valid_access_token(image: Any, method: str, path: str) -> None:
    owner = await image.user()
    task = await image.submit(owner)
    url = image.url + path.format(id=task["id"])
    body = {"prompt": "a cat"} if method == "POST" else None
    user = await image.user()
    token = user.headers["Authorization"].removeprefix("Bearer ")
    tampered = "Bearer " + token[:-20] + ("A" if token[-20] != "A" else "B") + token[-19:]  # inside the signature
    for headers in (
        {},
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": tampered},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ):
        resp = await image.http.request(method, url, json=body, headers=headers)
        assert resp.status_code == 401, (headers, resp.text)
        assert resp.headers["www-authenticate"] == "Bearer"
        assert resp.json()["error"] == "Unauthorized"
    assert (await image.list_tasks(user))["items"] == []
    assert [t["id"] for t in (await image.list_tasks(owner))["items"]] == [task["id"]]


async def test_a_refresh_token_is_not_an_access_token(image: Any) -> None:
    user = await image.user()
    resp = await image.http.post(
        f"{image.stack.auth.url}{image.API}/auth/login", json={"email": user.email, "password": "Tangerine-bicycle-42"}
    )
    refresh = resp.json()["refresh_token"]
    got = await image.http.get(f"{image.url}{image.API}/tasks", headers={"Authorization": f"Bearer {refresh}"})
    assert got.status_code == 401, got.text


async def test_others_tasks_look_missing(image: Any) -> None:
    alice, bob = await image.user(), await image.user()
    task = await image.submit(alice, "alice's secret campaign")

    assert (await image.get(bob, f"{image.API}/tasks/{task['id']}")).status_code == 404
    resp = await image.cancel(bob, task["id"])
    assert resp.status_code == 404
    assert resp.json() == {"error": "TaskNotFound", "detail": "No such task"}
    events = await image.get(bob, f"{image.API}/tasks/{task['id']}/events")
    assert events.status_code == 404
    assert events.json()["error"] == "TaskNotFound"
    # exactly what a task that does not exist looks like
    missing = await image.get(bob, f"{image.API}/tasks/{uuid.uuid4()}")
    assert missing.status_code == 404 and missing.json() == resp.json()

    assert (await image.list_tasks(bob))["items"] == []
    assert (await image.task(alice, task["id"]))["status"] == "pending"  # bob's cancel changed nothing


async def test_history_lists_own_tasks_newest_first_with_cursors(image: Any) -> None:
    user, other = await image.user(), await image.user()
    created = [(await image.submit(user, f"prompt {i}"))["id"] for i in range(5)]
    await image.submit(other, "someone else")

    seen: list[str] = []
    pages = 0
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = await image.list_tasks(user, **params)
        pages += 1
        assert len(page["items"]) <= 2
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert pages < 5, "pagination does not end"
    assert pages == 3
    assert seen == list(reversed(created))  # each once, newest first

    everything = await image.list_tasks(user, limit=100)
    assert [t["id"] for t in everything["items"]] == list(reversed(created))
    assert everything["next_cursor"] is None


async def test_history_filters_by_status(image: Any) -> None:
    user = await image.user()
    kept = await image.submit(user)
    dropped = await image.submit(user)
    assert (await image.cancel(user, dropped["id"])).status_code == 200
    assert [t["id"] for t in (await image.list_tasks(user, status="canceled"))["items"]] == [dropped["id"]]
    assert [t["id"] for t in (await image.list_tasks(user, status="pending"))["items"]] == [kept["id"]]
    assert (await image.get(user, f"{image.API}/tasks", status="lost")).status_code == 422


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param("garbage!", id="not-base64"),
        pytest.param(_cursor("no separator"), id="no-separator"),
        pytest.param(_cursor(f"yesterday|{uuid.uuid4()}"), id="bad-date"),
        pytest.param(_cursor("2026-01-01T00:00:00+00:00|not-a-uuid"), id="bad-id"),
        pytest.param(_cursor(f"2026-01-01T00:00:00|{uuid.uuid4()}"), id="date-without-zone"),
    ],
)
async def test_a_cursor_we_did_not_issue_is_400(image: Any, cursor: str) -> None:
    user = await image.user()
    await image.submit(user)
    resp = await image.get(user, f"{image.API}/tasks", cursor=cursor)
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"] == "InvalidCursor"


async def test_limit_is_bounded(image: Any) -> None:
    user = await image.user()
    for limit in (0, 101):
        resp = await image.get(user, f"{image.API}/tasks", limit=limit)
        assert resp.status_code == 422, resp.text
        assert "limit" in resp.json()["detail"]
