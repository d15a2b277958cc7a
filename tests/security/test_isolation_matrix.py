"""P5 through the gateway, against every service: {anonymous, owner A, other user B, admin} × every operation of
the merged OpenAPI spec whose path names an object.

The matrix is generated from `/api/v1/openapi.json`. Each path parameter must have a fixture in `FIXTURES`
that creates its object through the API (or be listed in `NOT_OBJECTS` with the reason), and each
operation that takes a body must have one in `BODIES`: a new route with an id and no fixture fails
`test_every_id_route_has_a_fixture`, so it cannot escape the matrix.

Expected, for a user's object: anonymous 401; B 404 (exactly what a missing id gets, so existence does not
leak); an admin 404 too (admins act only through admin routes); A 2xx, asked last, which proves the request
was one that works. For `/admin/...` routes the object is a user: A and B 403, the admin 2xx. Destructive
operations (delete, merge, cancel) get fresh objects each, so A's 2xx and B's 404 are about a live object.

Three documented exceptions to "an admin gets 404 on a user route", each a rule of its own below (`expected`):
- brand kits (`SHARED`): one workspace's shared, admin-managed resource, not anyone's own: every signed-in
  user reads (B's and A's 2xx is the point, not a leak), only admins write (users 403, the admin 2xx, last);
- review (`REVIEW_ROUTES`): reviewers (role reviewer, and admins) decide on the team's images through the review
  action and the image's thread, so the admin gets 2xx there, and only there: every other route of A's image
  (the image itself, its overlay, its export) stays 404 to the admin; B, a plain user, still gets 404;
- campaigns (`REVIEWER_READS`): reviewers read every campaign (the queue names an image's campaigns), so the
  admin reads A's campaign (2xx) and is refused changing or exporting it with 403 NotCampaignOwner (the
  campaign is visible to a reviewer, so 403 leaks nothing); B gets 404 on all of them.
The review queue and `GET /campaigns?scope=all` take no id: `test_the_review_queue_is_for_reviewers`.
The gallery-service's own tests/test_isolation.py covers ids inside bodies and lists at the service level;
`test_ids_in_bodies_through_the_gateway` repeats the cross-service ones here.
"""

from __future__ import annotations

import io
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.security.conftest import Account, Platform

pytestmark = pytest.mark.slow

METHODS = ("get", "put", "post", "delete", "patch")
# Path parameters that name no object of a user, with the reason they are outside the matrix.
NOT_OBJECTS = {
    "key": "/objects/{key}: a signed object URL, public by design (the signature is the credential); "
    "test_signed_urls covers expiry and tampering",
}
DESTRUCTIVE = {"DELETE"}
# Fresh objects for these too: merge and cancel end their object; a review moves the image through states.
DESTRUCTIVE_OPERATIONS = {"gallery_tags_merge", "tasks_cancel", "gallery_images_review"}
# The owner's answers besides 2xx that still prove the call reached the object (not a 404).
OWNER_ALSO = {"tasks_cancel": {409}}  # the tiny worker may finish the task first: TaskAlreadyFinished


FONT = (
    Path(__file__).resolve().parents[2]
    / "services"
    / "gallery-service"
    / "src"
    / "zimage_gallery"
    / "overlays"
    / "fonts"
    / "Pretendard-Regular.otf"
)
CHANNEL = "instagram_square"
OVERLAY = {"headline": "A's headline", "placement": "bottom_band"}


def png_logo() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (80, 30), (228, 0, 43, 255)).save(out, "PNG")
    return out.getvalue()


class Objects:
    """A's objects, created through the API; each kind once, unless a fresh one is asked for. Brand kits, their
    fonts and logos are the workspace's, made by `admin`."""

    def __init__(self, platform: Platform, owner: Account, admin: Account | None = None) -> None:
        self.platform = platform
        self.owner = owner
        self.admin = admin
        self.http = platform.http
        self.api = platform.api

    def _ok(
        self, method: str, path: str, status: int = 200, *, who: Account | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        r = self.http.request(method, f"{self.api}{path}", headers=(who or self.owner).headers, **kwargs)
        assert r.status_code == status, (method, path, r.status_code, r.text)
        return dict(r.json()) if r.content else {}

    def task(self, *, wait: bool = True) -> dict[str, Any]:
        task = self._ok(
            "POST",
            "/generate",
            202,
            json={"prompt": "A's private campaign", "width": 256, "height": 256, "num_images": 1},
        )
        return self.platform.stack.wait_task(self.http, self.owner.headers, task["id"]) if wait else task

    def task_id(self) -> str:
        return str(self.task(wait=False)["id"])  # pending or running: still A's, and still cancelable

    def image_id(self) -> str:
        task = self.task()
        assert task["status"] == "completed", task
        image_id = str(task["images"][0]["id"])
        deadline = time.monotonic() + 30  # the gallery gets the image right after the task completes
        while self.http.get(f"{self.api}/gallery/images/{image_id}", headers=self.owner.headers).status_code != 200:
            assert time.monotonic() < deadline, "the image never reached the gallery"
            time.sleep(0.2)
        return image_id

    def folder_id(self) -> str:
        return str(self._ok("POST", "/gallery/folders", 201, json={"name": f"A {uuid.uuid4().hex[:8]}"})["id"])

    def tag_id(self) -> str:
        return str(self._ok("POST", "/gallery/tags", 201, json={"name": f"a-{uuid.uuid4().hex[:8]}"})["id"])

    def template_id(self) -> str:
        body = {
            "name_en": "A's template",
            "pattern": "A poster of {product}",
            "variables": [{"name": "product", "label_ko": "제품", "label_en": "Product"}],
        }
        return str(self._ok("POST", "/templates", 201, json=body)["id"])

    def preset_id(self) -> str:
        body = {"category": "mood", "label_en": "A", "snippet": "calm"}
        return str(self._ok("POST", "/presets", 201, json=body)["id"])

    def user_id(self) -> str:
        return self.owner.user_id

    def campaign_id(self) -> str:
        body = {"name": f"A's launch {uuid.uuid4().hex[:6]}", "channels": [CHANNEL]}
        return str(self._ok("POST", "/campaigns", 201, json=body)["id"])

    def attach(self, campaign_id: str, image_id: str) -> None:
        self._ok("PUT", f"/campaigns/{campaign_id}/images/{image_id}", 204)

    def overlay(self, image_id: str) -> None:
        self._ok("PUT", f"/gallery/images/{image_id}/overlay", json=OVERLAY)

    def submit_for_review(self, image_id: str) -> None:
        self._ok("POST", f"/gallery/images/{image_id}/review", json={"action": "submit"})

    def _admin(self) -> Account:
        assert self.admin is not None, "brand kits are made by an admin: Objects(..., admin=...)"
        return self.admin

    def kit_id(self) -> str:
        body = {
            "name": f"Brand {uuid.uuid4().hex[:8]}",
            "colours": [{"role": "primary", "hex": "#E4002B"}],
            "style_words": ["clean minimal"],
            "avoid_words": ["cartoon"],
        }
        return str(self._ok("POST", "/brand-kits", 201, who=self._admin(), json=body)["id"])

    def font_id(self, kit_id: str) -> str:
        files = {"file": ("brand.otf", FONT.read_bytes(), "font/otf")}
        return str(self._ok("POST", f"/brand-kits/{kit_id}/fonts", 201, who=self._admin(), files=files)["id"])

    def logo_id(self, kit_id: str) -> str:
        files = {"file": ("logo.png", png_logo(), "image/png")}
        return str(self._ok("POST", f"/brand-kits/{kit_id}/logos", 201, who=self._admin(), files=files)["id"])


# What creates each path parameter's object, given the ids of the path made so far (in path order): a font or a
# logo belongs to the kit of the same path.
Fixture = Callable[[Objects, dict[str, str]], str]
FIXTURES: dict[str, Fixture] = {
    "task_id": lambda o, ids: o.task_id(),
    "image_id": lambda o, ids: o.image_id(),
    "folder_id": lambda o, ids: o.folder_id(),
    "tag_id": lambda o, ids: o.tag_id(),
    "template_id": lambda o, ids: o.template_id(),
    "preset_id": lambda o, ids: o.preset_id(),
    "user_id": lambda o, ids: o.user_id(),
    "campaign_id": lambda o, ids: o.campaign_id(),
    "kit_id": lambda o, ids: o.kit_id(),
    "font_id": lambda o, ids: o.font_id(ids["kit_id"]),
    "logo_id": lambda o, ids: o.logo_id(ids["kit_id"]),
}

# Request bodies and query strings that the call that must succeed (A's; the admin's on admin and shared
# routes) accepts, by operation id; given the operation's ids.
Extra = Callable[[Objects, dict[str, str]], dict[str, Any]]
BODIES: dict[str, Extra] = {
    "gallery_images_update": lambda o, ids: {"json": {"favorite": True, "note": "A's note"}},
    "gallery_folders_rename": lambda o, ids: {"json": {"name": f"renamed {uuid.uuid4().hex[:6]}"}},
    "gallery_tags_rename": lambda o, ids: {"json": {"name": f"renamed-{uuid.uuid4().hex[:6]}"}},
    "gallery_tags_merge": lambda o, ids: {"json": {"into": o.tag_id()}},
    "templates_update": lambda o, ids: {"json": {"name_en": "renamed"}},
    "templates_preview": lambda o, ids: {"json": {"variables": {"product": "coffee"}}},
    "presets_update": lambda o, ids: {"json": {"snippet": "warm"}},
    "admin_users_update": lambda o, ids: {"json": {"is_active": True}},
    "admin_quotas_update": lambda o, ids: {"json": {"images_per_day": 100, "max_active_tasks": 4}},
    "brand_kits_update": lambda o, ids: {"json": {"style_words": ["soft daylight"]}},
    "brand_kits_add_font": lambda o, ids: {"files": {"file": ("brand.otf", FONT.read_bytes(), "font/otf")}},
    "brand_kits_add_logo": lambda o, ids: {"files": {"file": ("logo.png", png_logo(), "image/png")}},
    "campaigns_update": lambda o, ids: {"json": {"notes": "A's notes", "channels": [CHANNEL]}},
    "gallery_images_comments_create": lambda o, ids: {"json": {"body": "Looks good?"}},
    "gallery_images_overlay_put": lambda o, ids: {"json": OVERLAY},
    "gallery_images_overlay_preview": lambda o, ids: {"json": {**OVERLAY, "headline": "Try this"}},
    # The reviewer's move: B (a plain user) must not even see the image; the admin, a reviewer, approves.
    "gallery_images_review": lambda o, ids: {"json": {"action": "approve", "comment": "ok"}},
}
# The owner's own move where it differs from BODIES': A withdraws what the admin just approved (approved -> draft).
OWNER_BODIES: dict[str, Extra] = {
    "gallery_images_review": lambda o, ids: {"json": {"action": "reopen"}},
}
QUERIES: dict[str, Extra] = {
    "gallery_images_export": lambda o, ids: {"params": {"preset": "instagram_square"}},
    "gallery_images_overlay_preview": lambda o, ids: {"params": {"preset": CHANNEL}},
    "campaigns_export": lambda o, ids: {"params": {"image_id": ids["attached_image_id"]}},
}


def attach_new_image(o: Objects, ids: dict[str, str]) -> None:
    """The fan-out takes an image of the campaign's, named in the query (kept in `ids`, outside the path)."""
    ids["attached_image_id"] = o.image_id()
    o.attach(ids["campaign_id"], ids["attached_image_id"])


# State A's object needs before the calls, so that A's (or the reviewer's) call is one that works.
PREPARE: dict[str, Callable[[Objects, dict[str, str]], None]] = {
    "gallery_images_overlay_get": lambda o, ids: o.overlay(ids["image_id"]),
    "gallery_images_overlay_delete": lambda o, ids: o.overlay(ids["image_id"]),
    "gallery_images_review": lambda o, ids: o.submit_for_review(ids["image_id"]),  # now in review: approvable
    "campaigns_export": attach_new_image,
    "campaigns_images_detach": lambda o, ids: o.attach(ids["campaign_id"], ids["image_id"]),
}

# Brand kits: shared by the whole workspace and managed by admins (docs/marketing.md, "Brand kits"), so
# "B never gets 2xx" does not apply to reading them; writing them is for admins only.
SHARED = ("/api/v1/brand-kits/",)
# Reviewers (and admins) act on the team's images through the review action and the image's thread; nowhere else.
REVIEW_ROUTES = {"gallery_images_review", "gallery_images_comments_list", "gallery_images_comments_create"}
# Reviewers read every campaign; changing or exporting it stays the owner's (403 NotCampaignOwner to them).
REVIEWER_READS = {"campaigns_get"}
CAMPAIGN_ROUTES = ("/api/v1/campaigns/",)


def id_operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in spec["paths"].items()
        if re.search(r"\{\w+\}", path)
        for method, operation in item.items()
        if method in METHODS
    ]


def _params(path: str) -> list[str]:
    return re.findall(r"\{(\w+)\}", path)


def test_every_id_route_has_a_fixture(platform: Platform) -> None:
    operations = id_operations(platform.spec())
    assert len(operations) >= 20, operations  # the spec really was read
    missing = [
        f"{method} {path}: no fixture creates {{{name}}}"
        for method, path, _ in operations
        for name in _params(path)
        if name not in FIXTURES and name not in NOT_OBJECTS
    ]
    missing += [
        f"{method} {path}: takes a body, and BODIES has none for {operation['operationId']}"
        for method, path, operation in operations
        if "requestBody" in operation
        and operation["operationId"] not in BODIES
        and not set(_params(path)) & set(NOT_OBJECTS)
    ]
    assert not missing, "\n".join(missing)


def _matrix_operations(platform: Platform) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for m, p, op in id_operations(platform.spec()) if not set(_params(p)) & set(NOT_OBJECTS)]


Expectation = list[tuple[str, Account | None, set[int]]]
OK = set(range(200, 300))


def expected(method: str, template: str, op_id: str, owner: Account, other: Account, admin: Account) -> Expectation:
    """Who asks, in order, and the statuses each may get; the call that must work comes last."""
    anonymous = ("anonymous", None, {401})
    if template.startswith("/api/v1/admin/"):
        return [anonymous, ("other user", other, {403}), ("owner (not an admin)", owner, {403}), ("admin", admin, OK)]
    if template.startswith(SHARED):
        users = OK if method == "GET" else {403}
        return [anonymous, ("user B", other, users), ("user A", owner, users), ("admin", admin, OK)]
    if op_id in REVIEW_ROUTES or op_id in REVIEWER_READS:
        as_admin, admin_gets = "admin (a reviewer) through a review route", OK
    elif template.startswith(CAMPAIGN_ROUTES):
        # NotCampaignOwner: a reviewer reads the campaign, only its owner changes or exports it
        as_admin, admin_gets = "admin (a reviewer) changing a campaign", {403}
    else:
        as_admin, admin_gets = "admin through a user route", {404}
    return [
        anonymous,
        ("other user", other, {404}),
        (as_admin, admin, admin_gets),
        ("owner", owner, set(range(200, 400)) | OWNER_ALSO.get(op_id, set())),
    ]


def test_nobody_but_the_owner_reaches_an_object(platform: Platform) -> None:
    owner, other, admin = platform.user("owner"), platform.user("other"), platform.admin()
    objects = Objects(platform, owner, admin)
    shared: dict[str, str] = {}
    failures: list[str] = []
    operations = _matrix_operations(platform)
    for method, template, operation in operations:
        op_id = operation["operationId"]
        fresh = method in DESTRUCTIVE or op_id in DESTRUCTIVE_OPERATIONS
        ids: dict[str, str] = {}
        for name in _params(template):
            if fresh:
                ids[name] = FIXTURES[name](objects, ids)
            else:
                ids[name] = shared.get(name) or shared.setdefault(name, FIXTURES[name](objects, ids))
        PREPARE.get(op_id, lambda o, i: None)(objects, ids)
        path = template.format(**ids)
        query = QUERIES.get(op_id, lambda o, i: {})(objects, ids)
        extra = {**BODIES.get(op_id, lambda o, i: {})(objects, ids), **query}
        owner_extra = {**extra, **OWNER_BODIES.get(op_id, lambda o, i: {})(objects, ids)}

        def call(
            who: Account | None,
            _method: str = method,
            _path: str = path,
            _extra: dict[str, Any] = extra,
        ) -> httpx.Response:
            headers = who.headers if who else {}
            return platform.http.request(
                _method, platform.api + _path.removeprefix("/api/v1"), headers=headers, **_extra
            )

        missing_path = template.format(**{name: str(uuid.uuid4()) for name in _params(template)})
        for who_name, who, statuses in expected(method, template, op_id, owner, other, admin):
            sent = owner_extra if who is owner else extra
            r = call(who, _extra=sent)
            if r.status_code not in statuses:
                failures.append(f"{method} {template} ({op_id}) as {who_name}: {r.status_code} {r.text[:200]}")
            elif r.status_code == 404:  # exactly what an id that exists nowhere gets: existence does not leak
                missing = call(who, _path=missing_path, _extra=sent)
                if (missing.status_code, missing.json()) != (404, r.json()):
                    failures.append(f"{method} {template} as {who_name}: {r.text} but a missing id: {missing.text}")
            elif (
                r.status_code == 403
                and template.startswith(CAMPAIGN_ROUTES)
                and r.json().get("error") != "NotCampaignOwner"
            ):
                failures.append(f"{method} {template} as {who_name}: {r.text}, not NotCampaignOwner")
    assert not failures, "\n".join(failures)
    assert len(operations) >= 20


def test_the_review_queue_is_for_reviewers(platform: Platform) -> None:
    """The id-less half of the review rule: A's image in review and A's campaign reach reviewers (the admin) through
    the queue and `scope=all`; a plain user B gets 403 there and never sees them in a list of theirs."""
    owner, other, admin = platform.user("owner"), platform.user("other"), platform.admin()
    objects = Objects(platform, owner, admin)
    image, campaign = objects.image_id(), objects.campaign_id()
    objects.attach(campaign, image)
    objects.submit_for_review(image)
    api, http = platform.api, platform.http
    for path in ("/reviews", "/campaigns?scope=all"):
        assert http.get(api + path).status_code == 401, path
        for user in (other, owner):  # neither is a reviewer
            r = http.get(api + path, headers=user.headers)
            assert r.status_code == 403 and r.json()["error"] == "ReviewerRequired", (path, r.text)
    queue = http.get(f"{api}/reviews", headers=admin.headers, params={"limit": 100})
    assert queue.status_code == 200, queue.text
    item = next(i for i in queue.json()["items"] if i["image_id"] == image)
    assert item["owner_id"] == owner.user_id and [c["id"] for c in item["campaigns"]] == [campaign], item
    every = http.get(f"{api}/campaigns", headers=admin.headers, params={"scope": "all", "limit": 100})
    assert every.status_code == 200 and campaign in {c["id"] for c in every.json()["items"]}, every.text
    for path in ("/campaigns", "/gallery/images?review_status=in_review"):
        items = http.get(api + path, headers=other.headers).json()["items"]
        assert not {i["id"] for i in items} & {image, campaign}, (path, items)


def test_ids_in_bodies_through_the_gateway(platform: Platform) -> None:
    """Ids of A's objects inside B's requests: refused like a missing id, and A's objects stay as they were."""
    owner, other = platform.user("owner"), platform.user("other")
    mine, theirs = Objects(platform, owner), Objects(platform, other)
    image, folder, template = mine.image_id(), mine.folder_id(), mine.template_id()
    own_image = theirs.image_id()
    h, api = other.headers, platform.api
    attempts = [
        ("POST", "/generate", {"template_id": template, "template_vars": {"product": "x"}}),
        ("POST", "/gallery/images/bulk", {"action": "favorite", "ids": [image], "favorite": True}),
        ("POST", "/gallery/images/bulk", {"action": "delete", "ids": [image]}),
        ("POST", "/gallery/images/zip", {"ids": [image]}),
        ("POST", "/gallery/folders", {"name": "child", "parent_id": folder}),
        ("PATCH", f"/gallery/images/{own_image}", {"folder_id": folder}),
    ]
    # B's own campaign naming A's image in the path or the query: refused like a missing image.
    campaign = theirs.campaign_id()
    for method, path, params in (
        ("PUT", f"/campaigns/{campaign}/images/{image}", {}),
        ("GET", f"/campaigns/{campaign}/export", {"image_id": image}),
    ):
        r = platform.http.request(method, api + path, headers=h, params=params)
        assert r.status_code == 404 and r.json()["error"] == "ImageNotFound", (method, path, r.status_code, r.text)
    for method, path, body in attempts:
        r = platform.http.request(method, api + path, headers=h, json=body)
        assert r.status_code == 404, (method, path, r.status_code, r.text)
    r = platform.http.get(f"{api}/gallery/images/{image}", headers=owner.headers)
    assert r.status_code == 200 and r.json()["favorite"] is False, r.text
    for path in (
        "/gallery/images",
        "/gallery/folders",
        "/gallery/tags",
        "/tasks",
        "/templates",
        "/presets",
        "/campaigns",
    ):
        items = platform.http.get(api + path, headers=h).json()["items"]
        assert not {i["id"] for i in items} & {image, folder, template}, (path, items)
