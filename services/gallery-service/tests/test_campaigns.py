"""Campaigns: CRUD, owner isolation (reviewers read), attaching only one's own images."""

from __future__ import annotations

import uuid
from typing import Any

C = "/api/v1/campaigns"


async def test_crud_and_attach(gallery: Any, seed: Any) -> None:
    owner = await gallery.user()
    one, two = await seed.images(owner, 2)
    body = {
        "name": "봄 세일 2026",
        "starts_on": "2026-03-01",
        "ends_on": "2026-03-31",
        "channels": ["instagram_square", "facebook_cover", "instagram_square"],
        "notes": "메인 비주얼",
    }
    made = await gallery.ok("POST", C, owner, json=body, status=201)
    assert made["channels"] == ["instagram_square", "facebook_cover"]  # once each, in order
    assert made["owner_id"] == owner.id and made["image_ids"] == [] and made["brand_kit_id"] is None

    for image in (one, two, one):  # attaching again changes nothing
        assert (await gallery.call("PUT", f"{C}/{made['id']}/images/{image['id']}", owner)).status_code == 204
    got = await gallery.ok("GET", f"{C}/{made['id']}", owner)
    assert sorted(got["image_ids"]) == sorted([one["id"], two["id"]])
    assert (await gallery.call("DELETE", f"{C}/{made['id']}/images/{two['id']}", owner)).status_code == 204
    assert (await gallery.ok("GET", f"{C}/{made['id']}", owner))["image_ids"] == [one["id"]]

    patched = await gallery.ok(
        "PATCH", f"{C}/{made['id']}", owner, json={"name": "여름", "notes": None, "channels": ["kakao_feed"]}
    )
    assert (patched["name"], patched["notes"], patched["channels"]) == ("여름", None, ["kakao_feed"])
    assert patched["starts_on"] == "2026-03-01"
    listed = await gallery.ok("GET", C, owner)
    assert [c["id"] for c in listed["items"]] == [made["id"]]

    for bad in (
        {**body, "channels": []},
        {**body, "channels": ["poster_a0"]},
        {**body, "name": ""},
        {**body, "ends_on": "2026-02-01"},
        {**body, "brand_kit_id": str(uuid.uuid4())},
    ):
        assert (await gallery.call("POST", C, owner, json=bad)).status_code == 422, bad
    for bad in ({"name": None}, {"channels": None}, {"ends_on": "2026-01-01"}):
        assert (await gallery.call("PATCH", f"{C}/{made['id']}", owner, json=bad)).status_code == 422, bad

    assert (await gallery.call("DELETE", f"{C}/{made['id']}", owner)).status_code == 204
    assert (await gallery.call("GET", f"{C}/{made['id']}", owner)).status_code == 404
    assert (await gallery.ok("GET", f"/api/v1/gallery/images/{one['id']}", owner))["id"] == one["id"]  # images stay


async def test_isolation(gallery: Any, seed: Any) -> None:
    owner, other, admin = await gallery.user(), await gallery.user(), await gallery.admin()
    mine = await seed.image(owner)
    theirs = await seed.image(other)
    campaign = await gallery.ok("POST", C, owner, json={"name": "secret", "channels": ["x_post"]}, status=201)
    url = f"{C}/{campaign['id']}"
    for method, path, extra in (
        ("GET", url, {}),
        ("PATCH", url, {"json": {"name": "taken"}}),
        ("DELETE", url, {}),
        ("PUT", f"{url}/images/{mine['id']}", {}),
        ("DELETE", f"{url}/images/{mine['id']}", {}),
        ("GET", f"{url}/export", {"params": {"image_id": mine["id"]}}),
    ):
        assert (await gallery.call(method, path, None, **extra)).status_code == 401
        resp = await gallery.call(method, path, other, **extra)
        assert resp.status_code == 404 and resp.json()["error"] == "CampaignNotFound", (method, path)
        if method != "GET" or path.endswith("/export"):  # reviewers read, never change or export
            resp = await gallery.call(method, path, admin, **extra)
            assert resp.status_code == 403 and resp.json()["error"] == "NotCampaignOwner", (method, path)
    assert (await gallery.ok("GET", url, admin))["name"] == "secret"
    # someone else's image cannot be attached, by id or otherwise
    resp = await gallery.call("PUT", f"{url}/images/{theirs['id']}", owner)
    assert resp.status_code == 404 and resp.json()["error"] == "ImageNotFound"
    assert (await gallery.ok("GET", C, other))["items"] == []
    assert (await gallery.call("GET", C, other, params={"scope": "all"})).status_code == 403
    everyone = await gallery.ok("GET", C, admin, params={"scope": "all", "limit": 100})
    assert campaign["id"] in {c["id"] for c in everyone["items"]}
    assert (await gallery.ok("GET", url, owner))["name"] == "secret"
