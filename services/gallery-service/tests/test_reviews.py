"""Review (docs/marketing.md): draft -> in_review -> approved | changes_requested, who may move what, the thread,
the reviewers' queue. Reviewers here are administrators (role admin); the `reviewer` role is the same check."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import update
from zimage_auth.users.models import User
from zimage_common.db import Database
from zimage_common.tokens import Principal
from zimage_gallery.reviews.service import TRANSITIONS, is_reviewer

G = "/api/v1/gallery/images"


async def act(gallery: Any, who: Any, image_id: str, action: str, comment: str = "") -> Any:
    return await gallery.call("POST", f"{G}/{image_id}/review", who, json={"action": action, "comment": comment})


async def status_of(gallery: Any, owner: Any, image_id: str) -> str:
    return str((await gallery.ok("GET", f"{G}/{image_id}", owner))["review_status"])


def test_reviewer_roles() -> None:
    def principal(role: str) -> Principal:
        return Principal(uuid.uuid4(), role, "s", "t", 0)

    assert is_reviewer(principal("reviewer")) and is_reviewer(principal("admin"))
    assert not is_reviewer(principal("user"))


async def test_state_machine_every_action_from_every_state(gallery: Any, seed: Any) -> None:
    owner, reviewer = await gallery.user(), await gallery.admin()
    # how to reach each state from draft
    paths = {
        "draft": [],
        "in_review": [("submit", owner)],
        "approved": [("submit", owner), ("approve", reviewer)],
        "changes_requested": [("submit", owner), ("request_changes", reviewer)],
    }
    for state, path in paths.items():
        for action, transition in TRANSITIONS.items():
            image = await seed.image(owner)
            for step, who in path:
                assert (await act(gallery, who, image["id"], step, "why")).status_code == 200
            assert await status_of(gallery, owner, image["id"]) == state
            who = owner if transition.actor == "owner" else reviewer
            resp = await act(gallery, who, image["id"], action.value, "a note")
            if state in transition.sources:
                assert resp.status_code == 200, (state, action, resp.text)
                body = resp.json()
                assert body["review_status"] == transition.target.value
                assert body["comment"]["action"] == action.value and body["comment"]["body"] == "a note"
                assert await status_of(gallery, owner, image["id"]) == transition.target.value
            else:
                assert resp.status_code == 409, (state, action, resp.text)
                assert resp.json()["error"] == "InvalidReviewTransition"
                assert await status_of(gallery, owner, image["id"]) == state


async def test_who_may_do_what(gallery: Any, seed: Any) -> None:
    owner, other, admin = await gallery.user(), await gallery.user(), await gallery.admin()
    image = await seed.image(owner)
    url = f"{G}/{image['id']}"
    # someone else sees nothing: 404 on every review route, like a missing id
    for action in ("submit", "approve", "request_changes", "reopen"):
        resp = await act(gallery, other, image["id"], action, "x")
        assert resp.status_code == 404 and resp.json()["error"] == "ImageNotFound"
    assert (await gallery.call("GET", f"{url}/comments", other)).status_code == 404
    assert (await gallery.call("POST", f"{url}/comments", other, json={"body": "hi"})).status_code == 404
    assert (await gallery.call("GET", "/api/v1/reviews", other)).status_code == 403
    assert (await gallery.call("POST", f"{url}/review", None, json={"action": "submit"})).status_code == 401

    # the owner cannot approve their way out of review; a reviewer cannot submit someone's draft
    resp = await act(gallery, admin, image["id"], "submit")
    assert resp.status_code == 403 and resp.json()["error"] == "NotYourDecision"
    assert (await act(gallery, owner, image["id"], "submit")).status_code == 200
    resp = await act(gallery, owner, image["id"], "approve")
    assert resp.status_code == 403 and resp.json()["error"] == "ReviewerRequired"
    resp = await act(gallery, admin, image["id"], "request_changes")  # without saying what
    assert resp.status_code == 422
    assert (await act(gallery, admin, image["id"], "request_changes", "로고를 더 크게")).status_code == 200
    assert (await act(gallery, owner, image["id"], "submit", "done")).status_code == 200
    assert (await act(gallery, admin, image["id"], "approve", "좋아요")).status_code == 200
    assert await status_of(gallery, owner, image["id"]) == "approved"
    for bad in ({"action": "publish"}, {"action": "approve", "comment": "x" * 2001}, {}):
        assert (await gallery.call("POST", f"{url}/review", owner, json=bad)).status_code == 422
    # the owner's PATCH has no say in it
    patched = await gallery.ok("PATCH", url, owner, json={"review_status": "draft", "approval": "draft"})
    assert patched["review_status"] == "approved"


async def test_thread_records_every_transition_and_comment(gallery: Any, seed: Any) -> None:
    owner, admin = await gallery.user(), await gallery.admin()
    image = await seed.image(owner)
    url = f"{G}/{image['id']}"
    await gallery.ok("POST", f"{url}/comments", owner, json={"body": "첫 시안입니다"}, status=201)
    await act(gallery, owner, image["id"], "submit")
    await gallery.ok("POST", f"{url}/comments", admin, json={"body": "Looks close"}, status=201)
    await act(gallery, admin, image["id"], "request_changes", "CTA 색을 바꿔 주세요")
    await act(gallery, owner, image["id"], "submit", "바꿨어요")
    await act(gallery, admin, image["id"], "approve")
    for bad in ({"body": ""}, {"body": "   "}, {"body": "x" * 2001}, {}):
        assert (await gallery.call("POST", f"{url}/comments", owner, json=bad)).status_code == 422

    thread = await gallery.ok("GET", f"{url}/comments", owner)
    assert [(c["author_role"], c["action"], c["body"]) for c in thread["items"]] == [
        ("owner", None, "첫 시안입니다"),
        ("owner", "submit", ""),
        ("reviewer", None, "Looks close"),
        ("reviewer", "request_changes", "CTA 색을 바꿔 주세요"),
        ("owner", "submit", "바꿨어요"),
        ("reviewer", "approve", ""),
    ]
    assert {c["author_id"] for c in thread["items"]} == {owner.id, admin.id}
    # the reviewer reads the same thread; pages follow each other without gaps
    assert (await gallery.ok("GET", f"{url}/comments", admin))["items"] == thread["items"]
    first = await gallery.ok("GET", f"{url}/comments", owner, params={"limit": 4})
    rest = await gallery.ok("GET", f"{url}/comments", owner, params={"limit": 4, "cursor": first["next_cursor"]})
    assert first["items"] + rest["items"] == thread["items"] and rest["next_cursor"] is None
    assert (await gallery.call("GET", f"{url}/comments", owner, params={"cursor": "nope"})).status_code == 400


async def test_queue_lists_the_teams_images_in_review_oldest_first(gallery: Any, seed: Any) -> None:
    alice, bob, admin = await gallery.user(), await gallery.user(), await gallery.admin()
    a1, a2 = await seed.images(alice, 2, prompt="alice 봄 캠페인")
    b1 = await seed.image(bob, prompt="bob summer")
    draft = await seed.image(bob)
    for image, owner in ((a2, alice), (b1, bob), (a1, alice)):
        await act(gallery, owner, image["id"], "submit")
    campaign = await gallery.ok(
        "POST", "/api/v1/campaigns", alice, json={"name": "봄 세일", "channels": ["instagram_square"]}, status=201
    )
    await gallery.call("PUT", f"/api/v1/campaigns/{campaign['id']}/images/{a1['id']}", alice)

    queue = await gallery.ok("GET", "/api/v1/reviews", admin, params={"limit": 100})
    mine = [i for i in queue["items"] if i["image_id"] in {a1["id"], a2["id"], b1["id"], draft["id"]}]
    assert [i["image_id"] for i in mine] == [a2["id"], b1["id"], a1["id"]]  # by time submitted
    item = next(i for i in mine if i["image_id"] == a1["id"])
    assert item["owner_id"] == alice.id and item["review_status"] == "in_review" and item["since"]
    assert item["campaigns"] == [{"id": campaign["id"], "name": "봄 세일"}]
    assert item["thumbnail_url"] and item["url"] and item["prompt"] == "alice 봄 캠페인"
    # only what a reviewer needs: no notes, folders, tags or favourites of someone else
    assert set(item) == {
        "image_id",
        "owner_id",
        "review_status",
        "since",
        "thumbnail_url",
        "url",
        "width",
        "height",
        "prompt",
        "campaigns",
    }

    await act(gallery, admin, a2["id"], "approve")
    queue = await gallery.ok("GET", "/api/v1/reviews", admin, params={"limit": 100})
    assert a2["id"] not in {i["image_id"] for i in queue["items"]}
    approved = await gallery.ok("GET", "/api/v1/reviews", admin, params={"status": "approved", "limit": 100})
    assert a2["id"] in {i["image_id"] for i in approved["items"]}
    # paging through the queue
    page = await gallery.ok("GET", "/api/v1/reviews", admin, params={"limit": 1})
    assert len(page["items"]) == 1 and page["next_cursor"]
    for who in (alice, bob):
        assert (await gallery.call("GET", "/api/v1/reviews", who)).status_code == 403


async def test_a_reviewer_role_decides_but_owns_nothing_else(gallery: Any, seed: Any) -> None:
    owner, member = await gallery.user(), await gallery.user()
    # the role as an administrator sets it (the admin route also asks image-service for usage, not running here)
    settings = gallery.stack.auth_settings
    db = Database(settings.resolved_database_url(), settings.database_schema)
    try:
        async with db.unit_of_work() as session:
            await session.execute(update(User).where(User.id == uuid.UUID(member.id)).values(role="reviewer"))
    finally:
        await db.dispose()
    reviewer = await gallery.login(member.email)  # a token with the new role
    image = await seed.image(owner)
    await act(gallery, owner, image["id"], "submit")
    queue = await gallery.ok("GET", "/api/v1/reviews", reviewer, params={"limit": 100})
    assert image["id"] in {i["image_id"] for i in queue["items"]}
    assert (await act(gallery, reviewer, image["id"], "approve", "OK")).status_code == 200
    assert await status_of(gallery, owner, image["id"]) == "approved"
    # deciding is all: the owner's image itself, its overlay and exports stay the owner's
    for method, path in (
        ("GET", f"{G}/{image['id']}"),
        ("GET", f"{G}/{image['id']}/overlay"),
        ("PATCH", f"{G}/{image['id']}"),
        ("DELETE", f"{G}/{image['id']}"),
    ):
        resp = await gallery.call(method, path, reviewer, json={} if method == "PATCH" else None)
        assert resp.status_code == 404, (method, path, resp.text)
