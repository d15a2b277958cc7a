"""Who may do what to which preset: every route that takes an id, by caller, built-in or personal."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

P = "/api/v1/presets"
ID_ROUTES = [("GET", None, 200), ("PATCH", {"label_en": "Renamed"}, 200), ("DELETE", None, 204)]


async def _anonymous_and_bad_tokens_get_401(gallery: Any, method: str, path: str, body: Any) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}):
        resp = await gallery.call(method, path, json=body, headers=headers)
        assert resp.status_code == 401, (method, path, resp.text)
        assert resp.json()["error"] == "Unauthorized"


@pytest.mark.parametrize(
    ("method", "body"), [("GET", None), ("POST", {"category": "mood", "label_en": "x", "snippet": "y"})]
)
async def test_collection_routes_need_sign_in(gallery: Any, method: str, body: Any) -> None:
    await _anonymous_and_bad_tokens_get_401(gallery, method, P, body)


@pytest.mark.parametrize(("method", "body", "allowed"), ID_ROUTES)
async def test_personal_preset(gallery: Any, method: str, body: Any, allowed: int) -> None:
    owner, other, admin = await gallery.user(), await gallery.user(), await gallery.admin()
    made = await gallery.ok(
        "POST", P, owner, json={"category": "camera", "label_en": "Mine", "snippet": "tilt-shift"}, status=201
    )
    path = f"{P}/{made['id']}"

    await _anonymous_and_bad_tokens_get_401(gallery, method, path, body)
    missing = await gallery.call(method, f"{P}/{uuid.uuid4()}", other, json=body)
    for stranger in (other, admin):
        resp = await gallery.call(method, path, stranger, json=body)
        assert resp.status_code == 404, resp.text
        assert resp.json() == missing.json() == {"error": "PresetNotFound", "detail": "No such preset"}
    assert await gallery.ok("GET", path, owner) == made

    assert (await gallery.call(method, path, owner, json=body)).status_code == allowed


@pytest.mark.parametrize(("method", "body", "allowed"), ID_ROUTES)
async def test_built_in_preset(gallery: Any, method: str, body: Any, allowed: int) -> None:
    user, admin = await gallery.user(), await gallery.admin()
    golden = (await gallery.ok("GET", P, user, params={"scope": "builtin", "limit": 1}))["items"][0]
    path = f"{P}/{golden['id']}"

    await _anonymous_and_bad_tokens_get_401(gallery, method, path, body)
    for who in (user, admin):
        resp = await gallery.call(method, path, who, json=body)
        if method == "GET":
            assert resp.status_code == allowed and resp.json() == golden
        else:
            assert resp.status_code == 403, resp.text
            assert resp.json() == {
                "error": "PresetReadOnly",
                "detail": "Built-in presets are read-only; add a personal preset to use your own wording",
            }
    assert await gallery.ok("GET", path, user) == golden


async def test_lists_never_show_others_presets(gallery: Any) -> None:
    alice, bob, admin = await gallery.user(), await gallery.user(), await gallery.admin()
    secret = await gallery.ok(
        "POST", P, alice, json={"category": "palette", "label_en": "Brand", "snippet": "#ff6600"}, status=201
    )
    for who in (bob, admin):
        for params in ({"limit": 100}, {"category": "palette"}, {"scope": "personal"}):
            items = (await gallery.ok("GET", P, who, params=params))["items"]
            assert secret["id"] not in {p["id"] for p in items}, (params, who)
            assert all(p["owner_id"] in (None, who.id) for p in items)
    assert [p["id"] for p in (await gallery.ok("GET", P, alice, params={"scope": "personal"}))["items"]] == [
        secret["id"]
    ]
