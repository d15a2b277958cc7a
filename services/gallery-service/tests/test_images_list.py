"""GET /gallery/images: every filter, both sorts, cursors that survive inserts; the sidebar; PATCH; bulk actions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

IMAGES = "/api/v1/gallery/images"


async def review(gallery: Any, who: Any, image_id: str, action: str, comment: str = "") -> Any:
    body = {"action": action, "comment": comment}
    return await gallery.ok("POST", f"{IMAGES}/{image_id}/review", who, json=body)


async def ids(gallery: Any, user: Any, **params: Any) -> list[str]:
    page = await gallery.ok("GET", IMAGES, user, params={"limit": 100, **params})
    assert page["next_cursor"] is None
    return [i["id"] for i in page["items"]]


async def patch(gallery: Any, user: Any, image_id: str, **body: Any) -> dict[str, Any]:
    return dict(await gallery.ok("PATCH", f"{IMAGES}/{image_id}", user, json=body))


async def test_each_filter_and_combinations(gallery: Any, seed: Any) -> None:
    user, other = await gallery.user(), await gallery.user()
    template = str(uuid.uuid4())
    base = datetime(2026, 3, 1, tzinfo=UTC)
    a, b, c, d, e = [
        await seed.image(user, created_at=(base + timedelta(days=i)).isoformat(), **extra)
        for i, extra in enumerate(
            [
                {"preset": "instagram_square", "width": 1080, "height": 1080, "template_id": template},
                {"preset": "facebook_cover", "width": 820, "height": 312},
                {"preset": "instagram_square", "width": 1080, "height": 1080},
                {"preset": None, "width": 1024, "height": 768, "template_id": template},
                {},
            ]
        )
    ]
    await seed.images(other, 3, preset="instagram_square", template_id=template)  # never in user's lists
    folder = await gallery.ok("POST", "/api/v1/gallery/folders", user, json={"name": "Spring"}, status=201)
    await patch(gallery, user, a["id"], folder_id=folder["id"], tags=["red", "sea"], favorite=True)
    await patch(gallery, user, b["id"], folder_id=folder["id"], tags=["red"])
    await patch(gallery, user, c["id"], tags=["sea"], favorite=True)
    await review(gallery, user, b["id"], "submit")
    await review(gallery, user, c["id"], "submit")
    await review(gallery, await gallery.admin(), c["id"], "request_changes", "brighter, please")
    tags = {t["name"]: t["id"] for t in (await gallery.ok("GET", "/api/v1/gallery/tags", user))["items"]}

    newest = [e["id"], d["id"], c["id"], b["id"], a["id"]]
    assert await ids(gallery, user) == newest
    assert await ids(gallery, user, sort="oldest") == newest[::-1]
    assert await ids(gallery, user, folder=folder["id"]) == [b["id"], a["id"]]
    assert await ids(gallery, user, folder="none") == [e["id"], d["id"], c["id"]]
    assert await ids(gallery, user, tag=tags["red"]) == [b["id"], a["id"]]
    assert await ids(gallery, user, tag=[tags["red"], tags["sea"]]) == [a["id"]]  # AND
    assert await ids(gallery, user, favorite="true") == [c["id"], a["id"]]
    assert await ids(gallery, user, favorite="false") == [e["id"], d["id"], b["id"]]
    assert await ids(gallery, user, review_status="in_review") == [b["id"]]
    assert await ids(gallery, user, review_status="changes_requested") == [c["id"]]
    assert await ids(gallery, user, review_status="draft") == [e["id"], d["id"], a["id"]]
    assert await ids(gallery, user, review_status="approved") == []
    assert await ids(gallery, user, template=template) == [d["id"], a["id"]]
    assert await ids(
        gallery,
        user,
        created_from=(base + timedelta(days=1)).isoformat(),
        created_to=(base + timedelta(days=3)).isoformat(),
    ) == [c["id"], b["id"]]
    assert await ids(gallery, user, created_from="2026-03-04T00:00:00") == [e["id"], d["id"]]  # no zone: UTC
    assert await ids(gallery, user, preset="instagram_square") == [c["id"], a["id"]]
    assert await ids(gallery, user, width=820, height=312) == [b["id"]]
    # combinations
    assert await ids(gallery, user, folder=folder["id"], favorite="true") == [a["id"]]
    assert await ids(gallery, user, tag=tags["sea"], review_status="changes_requested", preset="instagram_square") == [
        c["id"]
    ]
    assert await ids(gallery, user, template=template, favorite="true", sort="oldest") == [a["id"]]
    assert await ids(gallery, user, tag=tags["red"], folder="none") == []
    # someone else's ids as filters find nothing of theirs and nothing of ours
    assert await ids(gallery, other, folder=folder["id"]) == []
    assert await ids(gallery, other, tag=tags["red"]) == []
    assert len(await ids(gallery, other, template=template)) == 3


async def test_bad_filters_are_refused(gallery: Any, seed: Any) -> None:
    user = await gallery.user()
    for params in (
        {"folder": "x"},
        {"tag": "nope"},
        {"review_status": "maybe"},
        {"sort": "random"},
        {"limit": 0},
        {"limit": 101},
        {"created_from": "yesterday"},
    ):
        resp = await gallery.call("GET", IMAGES, user, params=params)
        assert resp.status_code == 422, (params, resp.text)
    for cursor in ("garbage", "bm90IGEgY3Vyc29y", "MjAyNi0wMS0wMVQwMDowMDowMHxub3QtYS11dWlk"):
        resp = await gallery.call("GET", IMAGES, user, params={"cursor": cursor})
        assert resp.status_code == 400 and resp.json()["error"] == "InvalidCursor", resp.text


async def test_cursor_pages_survive_inserts(gallery: Any, seed: Any) -> None:
    user = await gallery.user()
    older = await seed.images(user, 11)
    expected = [r["id"] for r in reversed(older)]
    for sort in ("newest", "oldest"):
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 3, "sort": sort, **({"cursor": cursor} if cursor else {})}
            page = await gallery.ok("GET", IMAGES, user, params=params)
            seen += [i["id"] for i in page["items"]]
            await seed.images(user, 2)  # new images arrive between page fetches
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)), "a row was seen twice"
        if sort == "newest":
            assert seen == expected  # exactly the older rows, in order: none skipped, none of the new ones
        else:
            assert seen[: len(expected)] == expected[::-1]  # oldest first: the new rows come after them


async def test_sidebar_counts(gallery: Any, seed: Any) -> None:
    user, other = await gallery.user(), await gallery.user()
    images = await seed.images(user, 6)
    await seed.images(other, 4)
    spring = await gallery.ok("POST", "/api/v1/gallery/folders", user, json={"name": "Spring"}, status=201)
    april = await gallery.ok(
        "POST", "/api/v1/gallery/folders", user, json={"name": "April", "parent_id": spring["id"]}, status=201
    )
    empty = await gallery.ok("POST", "/api/v1/gallery/folders", user, json={"name": "Empty"}, status=201)
    await patch(gallery, user, images[0]["id"], folder_id=spring["id"], tags=["야경", "sea"], favorite=True)
    await patch(gallery, user, images[1]["id"], folder_id=spring["id"], tags=["sea"])
    await patch(gallery, user, images[2]["id"], folder_id=april["id"], favorite=True)
    for image in images[1:3]:
        await review(gallery, user, image["id"], "submit")
    await review(gallery, await gallery.admin(), images[2]["id"], "request_changes", "crop tighter")
    await gallery.ok("POST", "/api/v1/gallery/tags", user, json={"name": "unused"}, status=201)

    side = await gallery.ok("GET", "/api/v1/gallery/sidebar", user)
    assert side["total"] == 6 and side["favorites"] == 2 and side["unfiled"] == 3
    assert side["review"] == {"draft": 4, "in_review": 1, "approved": 0, "changes_requested": 1}
    folders = {f["name"]: (f["count"], f["parent_id"]) for f in side["folders"]}
    assert folders == {"Spring": (2, None), "April": (1, spring["id"]), "Empty": (0, None)}
    assert empty["id"] in {f["id"] for f in side["folders"]}
    assert {t["name"]: t["count"] for t in side["tags"]} == {"야경": 1, "sea": 2, "unused": 0}

    theirs = await gallery.ok("GET", "/api/v1/gallery/sidebar", other)
    assert theirs["total"] == 4 and theirs["folders"] == [] and theirs["tags"] == []


async def test_patch_each_field(gallery: Any, seed: Any) -> None:
    user = await gallery.user()
    image = await seed.image(user, prompt="a lighthouse")
    url = f"{IMAGES}/{image['id']}"
    assert (await patch(gallery, user, image["id"], note="메모 for client"))["note"] == "메모 for client"
    assert (await patch(gallery, user, image["id"], favorite=True))["favorite"] is True
    folder = await gallery.ok("POST", "/api/v1/gallery/folders", user, json={"name": "F"}, status=201)
    assert (await patch(gallery, user, image["id"], folder_id=folder["id"]))["folder_id"] == folder["id"]
    tagged = await patch(gallery, user, image["id"], tags=["b", "a", "b", " 새 태그 "])
    assert sorted(t["name"] for t in tagged["tags"]) == ["a", "b", "새 태그"]
    # fields not sent stay as they are
    kept = await patch(gallery, user, image["id"], favorite=False)
    assert kept["note"] == "메모 for client" and kept["folder_id"] == folder["id"] and len(kept["tags"]) == 3
    cleared = await patch(gallery, user, image["id"], note=None, folder_id=None, tags=[])
    assert cleared["note"] is None and cleared["folder_id"] is None and cleared["tags"] == []
    # the note is searchable once set, and no longer once cleared
    await patch(gallery, user, image["id"], note="캠페인 초안")
    assert await ids(gallery, user, q="초안") == [image["id"]]
    await patch(gallery, user, image["id"], note="final")
    assert await ids(gallery, user, q="초안") == []
    assert await ids(gallery, user, q="final") == [image["id"]]

    for body in (
        {"favorite": None},
        {"note": "x" * 2001},
        {"tags": [""]},
        {"tags": ["x" * 65]},
        {"folder_id": "not-a-uuid"},
    ):
        resp = await gallery.call("PATCH", url, user, json=body)
        assert resp.status_code == 422, (body, resp.text)
    resp = await gallery.call("PATCH", url, user, json={"folder_id": str(uuid.uuid4())})
    assert resp.status_code == 404 and resp.json()["error"] == "FolderNotFound"


async def test_bulk_actions(gallery: Any, seed: Any) -> None:
    user, other = await gallery.user(), await gallery.user()
    images = await seed.images(user, 4)
    theirs = await seed.image(other)
    chosen = [i["id"] for i in images[:3]]
    folder = await gallery.ok("POST", "/api/v1/gallery/folders", user, json={"name": "Bulk"}, status=201)

    async def bulk(body: dict[str, Any], who: Any = user) -> Any:
        return await gallery.call("POST", f"{IMAGES}/bulk", who, json=body)

    resp = await bulk({"action": "move", "ids": chosen, "folder_id": folder["id"]})
    assert resp.status_code == 200 and resp.json() == {"action": "move", "count": 3}, resp.text
    assert sorted(await ids(gallery, user, folder=folder["id"])) == sorted(chosen)
    assert (await bulk({"action": "add_tags", "ids": chosen, "tags": ["t1", "t2"]})).status_code == 200
    removed = await bulk({"action": "remove_tags", "ids": chosen[:1], "tags": ["t1", "never-existed"]})
    assert removed.status_code == 200
    tags = {t["name"]: t["id"] for t in (await gallery.ok("GET", "/api/v1/gallery/tags", user))["items"]}
    assert sorted(await ids(gallery, user, tag=tags["t1"])) == sorted(chosen[1:])
    assert sorted(await ids(gallery, user, tag=tags["t2"])) == sorted(chosen)
    assert (await bulk({"action": "favorite", "ids": chosen[:2], "favorite": True})).status_code == 200
    assert sorted(await ids(gallery, user, favorite="true")) == sorted(chosen[:2])
    # approval is the reviewers' (POST …/review), never a bulk edit of the owner's
    assert (await bulk({"action": "approval", "ids": chosen, "approval": "approved"})).status_code == 422
    assert (await bulk({"action": "move", "ids": chosen[:1], "folder_id": None})).status_code == 200
    assert sorted(await ids(gallery, user, folder="none")) == sorted([chosen[0], images[3]["id"]])

    # all or nothing: one id that is not the caller's → 404, nothing changes
    resp = await bulk({"action": "favorite", "ids": [images[3]["id"], theirs["id"]], "favorite": True})
    assert resp.status_code == 404 and resp.json()["error"] == "ImageNotFound", resp.text
    assert images[3]["id"] not in await ids(gallery, user, favorite="true")
    resp = await bulk({"action": "delete", "ids": [theirs["id"]]})
    assert resp.status_code == 404
    assert (await gallery.ok("GET", f"{IMAGES}/{theirs['id']}", other))["id"] == theirs["id"]
    resp = await bulk({"action": "move", "ids": chosen, "folder_id": str(uuid.uuid4())})
    assert resp.status_code == 404 and resp.json()["error"] == "FolderNotFound"

    for body in (
        {"action": "explode", "ids": chosen},
        {"action": "move", "ids": []},
        {"action": "favorite", "ids": chosen},
        {"action": "add_tags", "ids": chosen, "tags": []},
        {"action": "delete", "ids": [str(uuid.uuid4())] * 501},
    ):
        assert (await bulk(body)).status_code == 422, body

    resp = await bulk({"action": "delete", "ids": chosen[:2]})
    assert resp.status_code == 200 and resp.json()["count"] == 2
    assert sorted(await ids(gallery, user)) == sorted([chosen[2], images[3]["id"]])


async def test_cursor_pages_through_images_made_at_the_same_instant(gallery: Any, seed: Any) -> None:
    user = await gallery.user()
    same = datetime(2026, 5, 5, 12, 0, 0, 123456, tzinfo=UTC).isoformat()
    made = await seed.images(user, 7, created_at=same)
    for sort in ("newest", "oldest"):
        seen: list[str] = []
        cursor = None
        while True:
            page = await gallery.ok(
                "GET", IMAGES, user, params={"limit": 3, "sort": sort, **({"cursor": cursor} if cursor else {})}
            )
            seen += [i["id"] for i in page["items"]]
            if (cursor := page["next_cursor"]) is None:
                break
        assert len(seen) == 7 and set(seen) == {r["id"] for r in made}, sort
        assert seen == sorted(seen, reverse=sort == "newest")  # ties broken by id
