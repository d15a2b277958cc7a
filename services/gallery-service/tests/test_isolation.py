"""P5 isolation matrix: {anonymous, owner, other user, admin} × every id-taking route × method.

The owner gets 2xx; another user, an administrator included (admins act only through admin routes), gets
exactly the 404 a missing id gets; nobody signed out gets past 401. (Review routes, where reviewers and admins
do see others' images, have their own matrix in test_reviews.py.) Lists, the sidebar and ZIPs of others never
contain the owner's rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

G = "/api/v1/gallery"
OVERLAY = {"headline": "봄 세일 최대 50%", "sub_copy": "이번 주말까지", "cta": "지금 보기"}


@dataclass
class Target:
    image: dict[str, Any]
    folder: dict[str, Any]
    tag: dict[str, Any]
    tag2: dict[str, Any]


async def make_target(gallery: Any, seed: Any, owner: Any) -> Target:
    image = await seed.image(owner, prompt="owner's secret 야경 campaign")
    folder = await gallery.ok("POST", f"{G}/folders", owner, json={"name": f"f-{uuid.uuid4().hex[:6]}"}, status=201)
    await gallery.ok(
        "PATCH", f"{G}/images/{image['id']}", owner, json={"tags": ["secret", "other"], "folder_id": folder["id"]}
    )
    tags = {t["name"]: t for t in (await gallery.ok("GET", f"{G}/tags", owner))["items"]}
    await gallery.ok("PUT", f"{G}/images/{image['id']}/overlay", owner, json=OVERLAY)
    return Target(image, folder, tags["secret"], tags["other"])


# (name, method, path, body/params builder); every one names the owner's ids
Route = tuple[str, str, Callable[[Target], str], Callable[[Target], dict[str, Any]]]
ROUTES: list[Route] = [
    ("image get", "GET", lambda t: f"{G}/images/{t.image['id']}", lambda t: {}),
    ("image patch", "PATCH", lambda t: f"{G}/images/{t.image['id']}", lambda t: {"json": {"favorite": True}}),
    ("image delete", "DELETE", lambda t: f"{G}/images/{t.image['id']}", lambda t: {}),
    (
        "image export",
        "GET",
        lambda t: f"{G}/images/{t.image['id']}/export",
        lambda t: {"params": {"preset": "instagram_square"}},
    ),
    (
        "bulk favorite",
        "POST",
        lambda t: f"{G}/images/bulk",
        lambda t: {"json": {"action": "favorite", "ids": [t.image["id"]], "favorite": True}},
    ),
    (
        "bulk move",
        "POST",
        lambda t: f"{G}/images/bulk",
        lambda t: {"json": {"action": "move", "ids": [t.image["id"]], "folder_id": None}},
    ),
    (
        "bulk tags",
        "POST",
        lambda t: f"{G}/images/bulk",
        lambda t: {"json": {"action": "add_tags", "ids": [t.image["id"]], "tags": ["x"]}},
    ),
    (
        "bulk delete",
        "POST",
        lambda t: f"{G}/images/bulk",
        lambda t: {"json": {"action": "delete", "ids": [t.image["id"]]}},
    ),
    ("overlay get", "GET", lambda t: f"{G}/images/{t.image['id']}/overlay", lambda t: {}),
    ("overlay put", "PUT", lambda t: f"{G}/images/{t.image['id']}/overlay", lambda t: {"json": OVERLAY}),
    ("overlay delete", "DELETE", lambda t: f"{G}/images/{t.image['id']}/overlay", lambda t: {}),
    (
        "overlay preview",
        "POST",
        lambda t: f"{G}/images/{t.image['id']}/overlay/preview",
        lambda t: {"params": {"preset": "instagram_story"}},
    ),
    (
        "export with overlay",
        "GET",
        lambda t: f"{G}/images/{t.image['id']}/export",
        lambda t: {"params": {"preset": "kakao_feed", "overlay": "true"}},
    ),
    ("zip", "POST", lambda t: f"{G}/images/zip", lambda t: {"json": {"ids": [t.image["id"]]}}),
    ("folder rename", "PATCH", lambda t: f"{G}/folders/{t.folder['id']}", lambda t: {"json": {"name": "renamed"}}),
    ("folder delete", "DELETE", lambda t: f"{G}/folders/{t.folder['id']}", lambda t: {}),
    (
        "folder as parent",
        "POST",
        lambda t: f"{G}/folders",
        lambda t: {"json": {"name": "child", "parent_id": t.folder["id"]}},
    ),
    ("tag rename", "PATCH", lambda t: f"{G}/tags/{t.tag['id']}", lambda t: {"json": {"name": "renamed"}}),
    ("tag merge", "POST", lambda t: f"{G}/tags/{t.tag['id']}/merge", lambda t: {"json": {"into": t.tag2["id"]}}),
    ("tag delete", "DELETE", lambda t: f"{G}/tags/{t.tag['id']}", lambda t: {}),
]


@pytest.fixture
async def people(gallery: Any) -> dict[str, Any]:
    return {"owner": await gallery.user(), "other": await gallery.user(), "admin": await gallery.admin()}


@pytest.mark.parametrize("route", ROUTES, ids=[r[0] for r in ROUTES])
async def test_matrix(gallery: Any, seed: Any, people: dict[str, Any], route: Route) -> None:
    _, method, path, kwargs = route
    target = await make_target(gallery, seed, people["owner"])
    url, extra = path(target), kwargs(target)

    anonymous = await gallery.call(method, url, None, **extra)
    assert anonymous.status_code == 401, anonymous.text
    for who in ("other", "admin"):
        resp = await gallery.call(method, url, people[who], **extra)
        assert resp.status_code == 404, (who, resp.status_code, resp.text)
        assert resp.json()["error"].endswith("NotFound")
    # nothing the others tried changed anything
    image = await gallery.ok("GET", f"{G}/images/{target.image['id']}", people["owner"])
    assert image["favorite"] is False and image["folder_id"] == target.folder["id"]
    assert sorted(t["name"] for t in image["tags"]) == ["other", "secret"]

    owner = await gallery.call(method, url, people["owner"], **extra)
    assert 200 <= owner.status_code < 400, owner.text


async def test_ids_inside_bodies_are_checked_too(gallery: Any, seed: Any, people: dict[str, Any]) -> None:
    target = await make_target(gallery, seed, people["owner"])
    other = people["other"]
    mine = await seed.image(other)
    my_tag_holder = await gallery.ok("POST", f"{G}/tags", other, json={"name": "mine"}, status=201)
    my_folder = await gallery.ok("POST", f"{G}/folders", other, json={"name": "mine"}, status=201)
    for method, url, body, params in (
        ("PATCH", f"{G}/images/{mine['id']}", {"folder_id": target.folder["id"]}, None),
        ("POST", f"{G}/images/bulk", {"action": "move", "ids": [mine["id"]], "folder_id": target.folder["id"]}, None),
        ("POST", f"{G}/tags/{my_tag_holder['id']}/merge", {"into": target.tag["id"]}, None),
        ("DELETE", f"{G}/folders/{my_folder['id']}", None, {"move_to": target.folder["id"]}),
    ):
        resp = await gallery.call(method, url, other, json=body, params=params)
        assert resp.status_code == 404, (url, resp.text)
    assert (await gallery.ok("GET", f"{G}/images/{mine['id']}", other))["folder_id"] is None


async def test_lists_sidebar_and_zip_never_show_others_rows(gallery: Any, seed: Any, people: dict[str, Any]) -> None:
    owner, other = people["owner"], people["other"]
    target = await make_target(gallery, seed, owner)
    theirs = await seed.image(other, prompt="야경 campaign")
    for who in ("other", "admin"):
        user = people[who]
        for path in (f"{G}/images", f"{G}/folders", f"{G}/tags"):
            page = await gallery.ok("GET", path, user, params={"limit": 100})
            shown = {i["id"] for i in page["items"]}
            assert not shown & {target.image["id"], target.folder["id"], target.tag["id"], target.tag2["id"]}
        for params in ({"q": "secret"}, {"q": "야경"}, {"folder": target.folder["id"]}, {"tag": target.tag["id"]}):
            page = await gallery.ok("GET", f"{G}/images", user, params=params)
            assert target.image["id"] not in {i["id"] for i in page["items"]}
        side = await gallery.ok("GET", f"{G}/sidebar", user)
        assert {f["id"] for f in side["folders"]}.isdisjoint({target.folder["id"]})
        assert {t["id"] for t in side["tags"]}.isdisjoint({target.tag["id"], target.tag2["id"]})
    side = await gallery.ok("GET", f"{G}/sidebar", other)
    assert side["total"] == 1
    resp = await gallery.call("POST", f"{G}/images/zip", other, json={"ids": [theirs["id"], target.image["id"]]})
    assert resp.status_code == 404
    for path in (f"{G}/images", f"{G}/sidebar", f"{G}/folders", f"{G}/tags"):
        assert (await gallery.call("GET", path, None)).status_code == 401
    for method, path in (("POST", f"{G}/folders"), ("POST", f"{G}/tags")):
        assert (await gallery.call(method, path, None, json={"name": "x"})).status_code == 401
