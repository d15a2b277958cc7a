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


async def listed(gallery: Any, user: Any, **params: Any) -> list[str]:
    """Every id the list shows for these filters, fetched two at a time."""
    seen: list[str] = []
    cursor = None
    while True:
        page = await gallery.ok(
            "GET", IMAGES, user, params={"limit": 2, **params, **({"cursor": cursor} if cursor else {})}
        )
        seen += [i["id"] for i in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            return seen


async def test_a_folder_lists_its_subfolders_images_too(gallery: Any, seed: Any) -> None:
    user, other = await gallery.user(), await gallery.user()
    parent = await gallery.ok("POST", FOLDERS, user, json={"name": "캠페인"}, status=201)
    spring = await gallery.ok("POST", FOLDERS, user, json={"name": "봄", "parent_id": parent["id"]}, status=201)
    summer = await gallery.ok("POST", FOLDERS, user, json={"name": "여름", "parent_id": parent["id"]}, status=201)
    elsewhere = await gallery.ok("POST", FOLDERS, user, json={"name": "기타"}, status=201)
    a, b, c, d, e, unfiled = await seed.images(user, 6)
    for image, folder in ((a, parent), (b, spring), (c, summer), (d, spring), (e, elsewhere)):
        await gallery.ok("PATCH", f"{IMAGES}/{image['id']}", user, json={"folder_id": folder["id"]})
    await gallery.ok("PATCH", f"{IMAGES}/{c['id']}", user, json={"tags": ["best"]})
    await gallery.ok("PATCH", f"{IMAGES}/{a['id']}", user, json={"tags": ["best"]})
    best = (await gallery.ok("GET", TAGS, user))["items"][0]["id"]

    assert await listed(gallery, user, folder=parent["id"]) == [d["id"], c["id"], b["id"], a["id"]]
    assert await listed(gallery, user, folder=parent["id"], sort="oldest") == [a["id"], b["id"], c["id"], d["id"]]
    assert await listed(gallery, user, folder=spring["id"]) == [d["id"], b["id"]]  # a subfolder: only its own
    assert await listed(gallery, user, folder=elsewhere["id"]) == [e["id"]]
    assert await listed(gallery, user, folder="none") == [unfiled["id"]]
    assert await listed(gallery, user, folder=parent["id"], tag=best) == [c["id"], a["id"]]
    assert await listed(gallery, other, folder=parent["id"]) == []

    side = await gallery.ok("GET", "/api/v1/gallery/sidebar", user)
    counts = {f["name"]: (f["count"], f["total_count"]) for f in side["folders"]}
    assert counts == {"캠페인": (1, 4), "봄": (2, 2), "여름": (1, 1), "기타": (1, 1)}

    # a subfolder deleted with its images moved to the top folder: the parent's total stays, its own count grows
    assert (
        await gallery.call("DELETE", f"{FOLDERS}/{summer['id']}", user, params={"move_to": parent["id"]})
    ).status_code == 204
    side = await gallery.ok("GET", "/api/v1/gallery/sidebar", user)
    assert {f["name"]: (f["count"], f["total_count"]) for f in side["folders"]} == {
        "캠페인": (2, 4),
        "봄": (2, 2),
        "기타": (1, 1),
    }
    assert await listed(gallery, user, folder=parent["id"]) == [d["id"], c["id"], b["id"], a["id"]]


async def test_tag_filters_page_in_order_whatever_the_tags_order(gallery: Any, seed: Any) -> None:
    from datetime import UTC, datetime, timedelta

    user = await gallery.user()
    base = datetime(2026, 4, 1, tzinfo=UTC)
    # ten images, the middle four made at the same instant (ties are broken by id)
    times = [base + timedelta(minutes=i if i < 3 or i > 6 else 3) for i in range(10)]
    made = [await seed.image(user, created_at=t.isoformat()) for t in times]
    newest = [r["id"] for r in sorted(made, key=lambda r: (r["created_at"], r["id"]), reverse=True)]
    groups = {"all": newest, "even": newest[::2], "third": newest[::3], "one": newest[4:5]}
    for name, members in groups.items():
        resp = await gallery.call(
            "POST", f"{IMAGES}/bulk", user, json={"action": "add_tags", "ids": members, "tags": [name]}
        )
        assert resp.status_code == 200, resp.text
    tags = {t["name"]: t["id"] for t in (await gallery.ok("GET", TAGS, user))["items"]}

    for chosen in (
        ["all"],
        ["even"],
        ["all", "even"],
        ["even", "all"],
        ["third", "even", "all"],
        ["all", "even", "third"],
        ["one", "all"],
        ["all", "one", "even"],
        ["third", "one"],
    ):
        expected = [i for i in newest if all(i in groups[name] for name in chosen)]
        tag_ids = [tags[name] for name in chosen]
        assert await listed(gallery, user, tag=tag_ids) == expected, chosen
        assert await listed(gallery, user, tag=tag_ids, sort="oldest") == expected[::-1], chosen

    # links made by a merge carry their image's time too
    merged = await gallery.ok("POST", f"{TAGS}/{tags['third']}/merge", user, json={"into": tags["even"]})
    union = [i for i in newest if i in groups["even"] or i in groups["third"]]
    assert await listed(gallery, user, tag=merged["id"]) == union
    assert await listed(gallery, user, tag=merged["id"], sort="oldest") == union[::-1]
    # a deleted image leaves every tag's list
    assert (await gallery.call("DELETE", f"{IMAGES}/{union[1]}", user)).status_code == 204
    assert await listed(gallery, user, tag=merged["id"]) == [union[0], *union[2:]]
