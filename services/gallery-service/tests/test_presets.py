"""Prompt presets: the built-in set, personal presets, filters, cursors, validation."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

P = "/api/v1/presets"


async def test_built_in_presets_cover_every_category(gallery: Any) -> None:
    user = await gallery.user()
    page = await gallery.ok("GET", P, user, params={"scope": "builtin", "limit": 100})
    items = page["items"]
    assert len(items) == 24 and page["next_cursor"] is None
    assert Counter(p["category"] for p in items) == {"lighting": 5, "camera": 5, "mood": 5, "palette": 5, "style": 4}
    assert [p["category"] for p in items] == sorted(
        (p["category"] for p in items), key=["lighting", "camera", "mood", "palette", "style"].index
    )
    assert items[0]["label_en"] == "Golden hour"
    assert items[0]["snippet"] == "soft golden hour sunlight, warm low-angle light, long gentle shadows"
    for p in items:
        assert p["scope"] == "builtin" and p["owner_id"] is None and p["editable"] is False
        assert p["label_ko"] and p["label_en"] and p["snippet"]
        assert p["label_ko"] != p["label_en"]
        assert "{" not in p["snippet"] and len(p["snippet"]) <= 300
    assert len({p["snippet"] for p in items}) == 24
    assert {p["label_en"] for p in items} >= {"85mm portrait lens", "Pastel", "Studio softbox", "Minimal"}


async def test_personal_preset_lifecycle(gallery: Any) -> None:
    user = await gallery.user()
    made = await gallery.ok(
        "POST",
        P,
        user,
        json={"category": "lighting", "label_ko": "우리 매장 조명", "snippet": "  warm\n tungsten  light "},
        status=201,
    )
    assert made["scope"] == "personal" and made["owner_id"] == user.id and made["editable"] is True
    assert made["label_en"] == "우리 매장 조명"  # one label fills the other
    assert made["snippet"] == "warm tungsten light"
    path = f"{P}/{made['id']}"
    assert await gallery.ok("GET", path, user) == made

    changed = await gallery.ok("PATCH", path, user, json={"label_en": "Our store light", "category": "mood"})
    assert changed["label_en"] == "Our store light" and changed["category"] == "mood"
    assert changed["label_ko"] == "우리 매장 조명" and changed["snippet"] == "warm tungsten light"
    assert changed["updated_at"] > changed["created_at"]
    assert await gallery.ok("GET", path, user) == changed

    lighting = await gallery.ok("GET", P, user, params={"category": "lighting"})
    assert made["id"] not in {p["id"] for p in lighting["items"]}
    assert len(lighting["items"]) == 5
    mood = await gallery.ok("GET", P, user, params={"category": "mood"})
    assert [p["id"] for p in mood["items"]][-1] == made["id"] and len(mood["items"]) == 6
    assert [p["id"] for p in (await gallery.ok("GET", P, user, params={"scope": "personal"}))["items"]] == [made["id"]]

    assert (await gallery.call("DELETE", path, user)).status_code == 204
    gone = await gallery.call("GET", path, user)
    assert gone.status_code == 404
    assert gone.json() == {"error": "PresetNotFound", "detail": "No such preset"}
    assert (await gallery.call("DELETE", path, user)).status_code == 404
    assert (await gallery.ok("GET", P, user, params={"scope": "personal"}))["items"] == []


async def test_preset_validation(gallery: Any) -> None:
    user = await gallery.user()
    cases = [
        ({"category": "sound", "label_en": "x", "snippet": "y"}, "category"),
        ({"category": "mood", "label_en": "x", "snippet": "   "}, "snippet"),
        ({"category": "mood", "label_en": "x", "snippet": "y" * 301}, "snippet"),
        ({"category": "mood", "label_en": "x" * 61, "snippet": "y"}, "label_en"),
        ({"category": "mood", "snippet": "y"}, "give label_ko or label_en"),
        ({"label_en": "x", "snippet": "y"}, "category"),
    ]
    for body, fragment in cases:
        resp = await gallery.call("POST", P, user, json=body)
        assert resp.status_code == 422, (body, resp.text)
        assert resp.json()["error"] == "ValidationError" and fragment in resp.json()["detail"], resp.json()
    made = await gallery.ok(
        "POST", P, user, json={"category": "mood", "label_en": "x", "snippet": "y" * 300}, status=201
    )
    for body, fragment in (
        ({"snippet": None}, "cannot be null: snippet"),
        ({"category": "sound"}, "category"),
        ({"snippet": ""}, "snippet"),
    ):
        resp = await gallery.call("PATCH", f"{P}/{made['id']}", user, json=body)
        assert resp.status_code == 422 and fragment in resp.json()["detail"], resp.text
    assert (await gallery.ok("GET", f"{P}/{made['id']}", user)) == made
    assert [p["id"] for p in (await gallery.ok("GET", P, user, params={"scope": "personal"}))["items"]] == [made["id"]]


async def test_preset_pages_follow_the_cursor(gallery: Any) -> None:
    user = await gallery.user()
    tag = uuid.uuid4().hex[:6]
    mine = [
        (
            await gallery.ok(
                "POST", P, user, json={"category": "style", "label_en": f"{tag} {i}", "snippet": f"s{i}"}, status=201
            )
        )["id"]
        for i in range(3)
    ]
    everything = (await gallery.ok("GET", P, user, params={"limit": 100}))["items"]
    assert len(everything) == 27 and [p["id"] for p in everything[-3:]] == mine
    seen, cursor, pages = [], None, 0
    while True:
        page = await gallery.ok("GET", P, user, params={"limit": 5, **({"cursor": cursor} if cursor else {})})
        assert len(page["items"]) <= 5
        seen += [p["id"] for p in page["items"]]
        pages += 1
        if not (cursor := page["next_cursor"]):
            break
    assert seen == [p["id"] for p in everything] and pages == 6
    bad = await gallery.call("GET", P, user, params={"cursor": "garbage"})
    assert bad.status_code == 400 and bad.json()["error"] == "InvalidCursor"
    for params in ({"category": "sound"}, {"scope": "team"}, {"limit": 0}):
        assert (await gallery.call("GET", P, user, params=params)).status_code == 422, params


async def test_shared_presets_are_made_and_changed_by_administrators(gallery: Any) -> None:
    user, admin = await gallery.user(), await gallery.admin()
    body = {"scope": "shared", "category": "mood", "label_ko": "브랜드 톤", "snippet": "calm brand tone"}

    refused = await gallery.call("POST", P, user, json=body)
    assert refused.status_code == 403 and refused.json()["error"] == "PresetReadOnly"
    shared = await gallery.ok("POST", P, admin, json=body, status=201)
    assert shared["scope"] == "shared" and shared["owner_id"] is None and shared["editable"] is True

    # everyone sees it, read-only; the scope filter finds it
    listed = await gallery.ok("GET", P, user, params={"scope": "shared", "limit": 100})
    seen = {p["id"]: p for p in listed["items"]}
    assert seen[shared["id"]]["editable"] is False
    assert all(p["scope"] == "shared" for p in listed["items"])
    for method, payload in (("PATCH", {"snippet": "hijacked"}), ("DELETE", None)):
        resp = await gallery.call(method, f"{P}/{shared['id']}", user, json=payload)
        assert resp.status_code == 403 and resp.json()["detail"] == "Only administrators can change shared presets"

    await gallery.ok("PATCH", f"{P}/{shared['id']}", admin, json={"snippet": "calm, confident brand tone"})
    assert (await gallery.call("DELETE", f"{P}/{shared['id']}", admin)).status_code == 204
    assert [r["action"] for r in await gallery.audit(admin, shared["id"])] == [
        "preset.create",
        "preset.update",
        "preset.delete",
    ]

    # personal presets stay out of the audit log: they are nobody's business but their owner's
    mine = await gallery.ok("POST", P, admin, json={**body, "scope": "personal"}, status=201)
    assert mine["scope"] == "personal" and await gallery.audit(admin, mine["id"]) == []
