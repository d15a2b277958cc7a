"""P5 through the gateway, against every service: {anonymous, owner A, other user B, admin} × every operation of
the merged OpenAPI spec whose path names an object.

The matrix is generated from `/api/v1/openapi.json`. Each path parameter must have a fixture in `FIXTURES`
that creates its object as A through the API (or be listed in `NOT_OBJECTS` with the reason), and each
operation that takes a body must have one in `BODIES`: a new route with an id and no fixture fails
`test_every_id_route_has_a_fixture`, so it cannot escape the matrix.

Expected, for a user's object: anonymous 401; B 404 (exactly what a missing id gets, so existence does not
leak); an admin 404 too (admins act only through admin routes); A 2xx, asked last, which proves the request
was one that works. For `/admin/...` routes the object is a user: A and B 403, the admin 2xx. Destructive
operations (delete, merge, cancel) get fresh objects each, so A's 2xx and B's 404 are about a live object.
The gallery-service's own tests/test_isolation.py covers ids inside bodies and lists at the service level;
`test_ids_in_bodies_through_the_gateway` repeats the cross-service ones here.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.security.conftest import Account, Platform

pytestmark = pytest.mark.slow

METHODS = ("get", "put", "post", "delete", "patch")
# Path parameters that name no object of a user, with the reason they are outside the matrix.
NOT_OBJECTS = {
    "key": "/objects/{key}: a signed object URL, public by design (the signature is the credential); "
    "test_signed_urls covers expiry and tampering",
}
DESTRUCTIVE = {"DELETE"}
DESTRUCTIVE_OPERATIONS = {"gallery_tags_merge", "tasks_cancel"}
# The owner's answers besides 2xx that still prove the call reached the object (not a 404).
OWNER_ALSO = {"tasks_cancel": {409}}  # the tiny worker may finish the task first: TaskAlreadyFinished


class Objects:
    """A's objects, created through the API; each kind once, unless a fresh one is asked for."""

    def __init__(self, platform: Platform, owner: Account) -> None:
        self.platform = platform
        self.owner = owner
        self.http = platform.http
        self.api = platform.api

    def _ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> dict[str, Any]:
        r = self.http.request(method, f"{self.api}{path}", headers=self.owner.headers, **kwargs)
        assert r.status_code == status, (method, path, r.status_code, r.text)
        return dict(r.json()) if r.content else {}

    def task(self, *, wait: bool = True) -> dict[str, Any]:
        task = self._ok("POST", "/generate", 202,
                        json={"prompt": "A's private campaign", "width": 256, "height": 256, "num_images": 1})
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
        body = {"name_en": "A's template", "pattern": "A poster of {product}",
                "variables": [{"name": "product", "label_ko": "제품", "label_en": "Product"}]}
        return str(self._ok("POST", "/templates", 201, json=body)["id"])

    def preset_id(self) -> str:
        body = {"category": "mood", "label_en": "A", "snippet": "calm"}
        return str(self._ok("POST", "/presets", 201, json=body)["id"])

    def user_id(self) -> str:
        return self.owner.user_id


FIXTURES: dict[str, Callable[[Objects], str]] = {
    "task_id": Objects.task_id,
    "image_id": Objects.image_id,
    "folder_id": Objects.folder_id,
    "tag_id": Objects.tag_id,
    "template_id": Objects.template_id,
    "preset_id": Objects.preset_id,
    "user_id": Objects.user_id,
}

# Request bodies and query strings that A's own call accepts, by operation id.
Extra = Callable[[Objects], dict[str, Any]]
BODIES: dict[str, Extra] = {
    "gallery_images_update": lambda o: {"json": {"favorite": True, "note": "A's note"}},
    "gallery_folders_rename": lambda o: {"json": {"name": f"renamed {uuid.uuid4().hex[:6]}"}},
    "gallery_tags_rename": lambda o: {"json": {"name": f"renamed-{uuid.uuid4().hex[:6]}"}},
    "gallery_tags_merge": lambda o: {"json": {"into": o.tag_id()}},
    "templates_update": lambda o: {"json": {"name_en": "renamed"}},
    "templates_preview": lambda o: {"json": {"variables": {"product": "coffee"}}},
    "presets_update": lambda o: {"json": {"snippet": "warm"}},
    "admin_users_update": lambda o: {"json": {"is_active": True}},
    "admin_quotas_update": lambda o: {"json": {"images_per_day": 100, "max_active_tasks": 4}},
}
QUERIES: dict[str, Extra] = {
    "gallery_images_export": lambda o: {"params": {"preset": "instagram_square"}},
}


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
        if "requestBody" in operation and operation["operationId"] not in BODIES
        and not set(_params(path)) & set(NOT_OBJECTS)
    ]
    assert not missing, "\n".join(missing)


def _matrix_operations(platform: Platform) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (m, p, op) for m, p, op in id_operations(platform.spec()) if not set(_params(p)) & set(NOT_OBJECTS)
    ]


def test_nobody_but_the_owner_reaches_an_object(platform: Platform) -> None:
    owner, other, admin = platform.user("owner"), platform.user("other"), platform.admin()
    objects = Objects(platform, owner)
    shared: dict[str, str] = {}
    failures: list[str] = []
    operations = _matrix_operations(platform)
    for method, template, operation in operations:
        op_id = operation["operationId"]
        fresh = method in DESTRUCTIVE or op_id in DESTRUCTIVE_OPERATIONS
        ids = {}
        for name in _params(template):
            if fresh:
                ids[name] = FIXTURES[name](objects)
            else:
                ids[name] = shared.get(name) or shared.setdefault(name, FIXTURES[name](objects))
        path = template.format(**ids)
        extra = {**BODIES.get(op_id, lambda o: {})(objects), **QUERIES.get(op_id, lambda o: {})(objects)}
        admin_route = template.startswith("/api/v1/admin/")

        def call(who: Account | None, _method: str = method, _path: str = path, _extra: dict[str, Any] = extra,
                 ) -> httpx.Response:
            headers = who.headers if who else {}
            return platform.http.request(_method, platform.api + _path.removeprefix("/api/v1"), headers=headers,
                                         **_extra)

        expected: list[tuple[str, Account | None, set[int]]] = [("anonymous", None, {401})]
        if admin_route:
            expected += [("other user", other, {403}), ("owner (not an admin)", owner, {403}),
                         ("admin", admin, set(range(200, 300)))]
        else:
            expected += [("other user", other, {404}), ("admin through a user route", admin, {404}),
                         ("owner", owner, set(range(200, 400)) | OWNER_ALSO.get(op_id, set()))]
        missing_path = template.format(**{name: str(uuid.uuid4()) for name in ids})
        for who_name, who, statuses in expected:
            r = call(who)
            if r.status_code not in statuses:
                failures.append(f"{method} {template} ({op_id}) as {who_name}: {r.status_code} {r.text[:200]}")
            elif r.status_code == 404:  # exactly what an id that exists nowhere gets: existence does not leak
                missing = call(who, _path=missing_path)
                if (missing.status_code, missing.json()) != (404, r.json()):
                    failures.append(f"{method} {template} as {who_name}: {r.text} but a missing id: {missing.text}")
    assert not failures, "\n".join(failures)
    assert len(operations) >= 20


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
    for method, path, body in attempts:
        r = platform.http.request(method, api + path, headers=h, json=body)
        assert r.status_code == 404, (method, path, r.status_code, r.text)
    r = platform.http.get(f"{api}/gallery/images/{image}", headers=owner.headers)
    assert r.status_code == 200 and r.json()["favorite"] is False, r.text
    for path in ("/gallery/images", "/gallery/folders", "/gallery/tags", "/tasks", "/templates",
                 "/presets"):
        items = platform.http.get(api + path, headers=h).json()["items"]
        assert not {i["id"] for i in items} & {image, folder, template}, (path, items)
