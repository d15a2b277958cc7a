"""Folders (one level of nesting, rename, delete moving contents) and tags (first use, rename, merge, delete)."""

from __future__ import annotations

import uuid
from typing import Any

FOLDERS = "/api/v1/gallery/folders"
TAGS = "/api/v1/gallery/tags"
IMAGES = "/api/v1/gallery/images"


async def folder_of(gallery: Any, user: Any, image_id: str) -> Any:
    return (await gallery.ok("GET", f"{IMAGES}/{image_id}", user))["folder_id"]


async def test_folders_nest_one_level(gallery: Any) -> None:
    user = await gallery.user()
    top = await gallery.ok("POST", FOLDERS, user, json={"name": "  Campaigns  "}, status=201)
    assert top["name"] == "Campaigns" and top["parent_id"] is None
    child = await gallery.ok("POST", FOLDERS, user, json={"name": "2026 봄", "parent_id": top["id"]}, status=201)
    assert child["parent_id"] == top["id"]
    resp = await gallery.call("POST", FOLDERS, user, json={"name": "too deep", "parent_id": child["id"]})
    assert resp.status_code == 422 and resp.json()["error"] == "FolderTooDeep", resp.text
    resp = await gallery.call("POST", FOLDERS, user, json={"name": "x", "parent_id": str(uuid.uuid4())})
    assert resp.status_code == 404 and resp.json()["error"] == "FolderNotFound"
    resp = await gallery.call("POST", FOLDERS, user, json={"name": "campaigns"})
    assert resp.status_code == 201  # names are case-sensitive
    resp = await gallery.call("POST", FOLDERS, user, json={"name": "Campaigns"})
    assert resp.status_code == 409 and resp.json()["error"] == "FolderNameTaken"
    for name in ("", "   ", "x" * 101, "a\x00b"):
        assert (await gallery.call("POST", FOLDERS, user, json={"name": name})).status_code == 422, name
    listed = await gallery.ok("GET", FOLDERS, user)
    assert [f["name"] for f in listed["items"]] == ["Campaigns", "2026 봄", "campaigns"]
    first = await gallery.ok("GET", FOLDERS, user, params={"limit": 2})
    rest = await gallery.ok("GET", FOLDERS, user, params={"limit": 2, "cursor": first["next_cursor"]})
    assert [f["id"] for f in first["items"] + rest["items"]] == [f["id"] for f in listed["items"]]
    assert rest["next_cursor"] is None


async def test_rename_folder(gallery: Any) -> None:
    user = await gallery.user()
    a = await gallery.ok("POST", FOLDERS, user, json={"name": "A"}, status=201)
    await gallery.ok("POST", FOLDERS, user, json={"name": "B"}, status=201)
    renamed = await gallery.ok("PATCH", f"{FOLDERS}/{a['id']}", user, json={"name": "여름"})
    assert renamed == {**a, "name": "여름"}
    resp = await gallery.call("PATCH", f"{FOLDERS}/{a['id']}", user, json={"name": "B"})
    assert resp.status_code == 409
    assert (await gallery.ok("PATCH", f"{FOLDERS}/{a['id']}", user, json={"name": "여름"}))["name"] == "여름"


async def test_delete_folder_moves_its_images(gallery: Any, seed: Any) -> None:
    user = await gallery.user()
    src = await gallery.ok("POST", FOLDERS, user, json={"name": "src"}, status=201)
    sub = await gallery.ok("POST", FOLDERS, user, json={"name": "sub", "parent_id": src["id"]}, status=201)
    dst = await gallery.ok("POST", FOLDERS, user, json={"name": "dst"}, status=201)
    x, y, z = await seed.images(user, 3)
    for image, folder in ((x, src), (y, sub), (z, dst)):
        await gallery.ok("PATCH", f"{IMAGES}/{image['id']}", user, json={"folder_id": folder["id"]})

    resp = await gallery.call("DELETE", f"{FOLDERS}/{src['id']}", user, params={"move_to": sub["id"]})
    assert resp.status_code == 422  # into a folder that goes with it
    resp = await gallery.call("DELETE", f"{FOLDERS}/{src['id']}", user, params={"move_to": str(uuid.uuid4())})
    assert resp.status_code == 404

    resp = await gallery.call("DELETE", f"{FOLDERS}/{src['id']}", user, params={"move_to": dst["id"]})
    assert resp.status_code == 204, resp.text
    assert {f["id"] for f in (await gallery.ok("GET", FOLDERS, user))["items"]} == {dst["id"]}  # sub went too
    for image in (x, y, z):
        assert await folder_of(gallery, user, image["id"]) == dst["id"]

    resp = await gallery.call("DELETE", f"{FOLDERS}/{dst['id']}", user)  # no move_to: images become unfiled
    assert resp.status_code == 204
    for image in (x, y, z):
        assert await folder_of(gallery, user, image["id"]) is None
    assert len((await gallery.ok("GET", IMAGES, user))["items"]) == 3  # images are never deleted with a folder


async def test_tags_are_created_on_first_use(gallery: Any, seed: Any) -> None:
    user = await gallery.user()
    image = await seed.image(user)
    assert (await gallery.ok("GET", TAGS, user))["items"] == []
    await gallery.ok("PATCH", f"{IMAGES}/{image['id']}", user, json={"tags": ["봄", "sale"]})
    names = [t["name"] for t in (await gallery.ok("GET", TAGS, user))["items"]]
    assert sorted(names) == ["sale", "봄"]
    # the same name again reuses the tag
    again = await gallery.ok("POST", TAGS, user, json={"name": "봄"}, status=201)
    assert again["id"] in {t["id"] for t in (await gallery.ok("GET", TAGS, user))["items"]}
    assert len((await gallery.ok("GET", TAGS, user))["items"]) == 2


async def test_rename_merge_delete_tags(gallery: Any, seed: Any) -> None:
    user = await gallery.user()
    a, b, c = await seed.images(user, 3)
    await gallery.ok("PATCH", f"{IMAGES}/{a['id']}", user, json={"tags": ["sale", "spring"]})
    await gallery.ok("PATCH", f"{IMAGES}/{b['id']}", user, json={"tags": ["Sale"]})
    await gallery.ok("PATCH", f"{IMAGES}/{c['id']}", user, json={"tags": ["spring"]})
    tags = {t["name"]: t["id"] for t in (await gallery.ok("GET", TAGS, user))["items"]}

    renamed = await gallery.ok("PATCH", f"{TAGS}/{tags['spring']}", user, json={"name": "봄"})
    assert renamed["name"] == "봄" and renamed["id"] == tags["spring"]
    resp = await gallery.call("PATCH", f"{TAGS}/{tags['Sale']}", user, json={"name": "sale"})
    assert resp.status_code == 409 and resp.json()["error"] == "TagNameTaken"

    merged = await gallery.ok("POST", f"{TAGS}/{tags['Sale']}/merge", user, json={"into": tags["sale"]})
    assert merged["id"] == tags["sale"]
    side = await gallery.ok("GET", "/api/v1/gallery/sidebar", user)
    assert {t["name"]: t["count"] for t in side["tags"]} == {"sale": 2, "봄": 2}
    resp = await gallery.call("POST", f"{TAGS}/{tags['sale']}/merge", user, json={"into": tags["sale"]})
    assert resp.status_code == 422
    resp = await gallery.call("POST", f"{TAGS}/{tags['Sale']}/merge", user, json={"into": tags["sale"]})
    assert resp.status_code == 404  # merged away

    assert (await gallery.call("DELETE", f"{TAGS}/{tags['spring']}", user)).status_code == 204
    assert [t["name"] for t in (await gallery.ok("GET", f"{IMAGES}/{a['id']}", user))["tags"]] == ["sale"]
    assert (await gallery.ok("GET", f"{IMAGES}/{c['id']}", user))["tags"] == []
    assert len((await gallery.ok("GET", IMAGES, user))["items"]) == 3
