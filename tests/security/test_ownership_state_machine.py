"""A Hypothesis state machine over the real API (through the gateway): three users and an administrator create,
list, get, rename and delete folders, tags, personal templates, personal prompt presets and images, at random.

Invariants, after every step: nobody sees, changes or deletes what they do not own (another user's object,
and the administrator through the normal routes, answer 404 and leave it as it was), and each user's lists
equal the model the machine keeps. Images arrive through the gallery's internal ingest route with the service
token, exactly as image-service hands over a finished generation, so a step costs milliseconds rather than a
generation.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule, run_state_machine_as_test
from zimage_common.settings import ServiceSettings

from tests.security.conftest import Account, Platform

pytestmark = pytest.mark.slow

KINDS = ("folder", "tag", "template", "preset", "image")
USERS = 3
ADMIN = USERS  # index of the administrator among the actors
LISTS = {  # path, query
    "folder": ("/gallery/folders", {}),
    "tag": ("/gallery/tags", {}),
    "template": ("/templates", {"scope": "personal"}),
    "preset": ("/presets", {"scope": "personal"}),
    "image": ("/gallery/images", {}),
}


def _name() -> st.SearchStrategy[str]:
    return st.text(alphabet="abcdefghijklmnopqrstuvwxyz가나다라 ", min_size=1, max_size=20).map(
        lambda s: (s.strip() or "x") + "-" + uuid.uuid4().hex[:4]
    )


class Ownership(RuleBasedStateMachine):
    platform: ClassVar[Platform]
    admin: ClassVar[Account]

    objects = Bundle("objects")

    def __init__(self) -> None:
        super().__init__()
        self.actors = [self.platform.user(f"sm{i}") for i in range(USERS)] + [self.admin]
        # model[kind][user index] = {id: name}
        self.model: dict[str, list[dict[str, str]]] = {k: [{} for _ in range(USERS)] for k in KINDS}
        self.touched: set[int] = set()

    # -- calls ----------------------------------------------------------------------------------------------
    def call(self, actor: int, method: str, path: str, **kwargs: Any) -> Any:
        p = self.platform
        return p.http.request(method, f"{p.api}{path}", headers=self.actors[actor].headers, **kwargs)

    def listed(self, actor: int, kind: str) -> dict[str, str]:
        path, query = LISTS[kind]
        r = self.call(actor, "GET", path, params={**query, "limit": 100})
        assert r.status_code == 200, r.text
        key = {"template": "name_en", "preset": "snippet", "image": "note"}.get(kind, "name")
        return {item["id"]: item[key] for item in r.json()["items"]}

    # -- rules ----------------------------------------------------------------------------------------------
    @rule(target=objects, kind=st.sampled_from(KINDS[:-1]), owner=st.integers(0, USERS - 1), name=_name())
    def create(self, kind: str, owner: int, name: str) -> tuple[str, int, str]:
        path, body = {
            "folder": ("/gallery/folders", {"name": name}),
            "tag": ("/gallery/tags", {"name": name}),
            "template": (
                "/templates",
                {
                    "name_en": name,
                    "pattern": "A poster of {product}",
                    "variables": [{"name": "product", "label_ko": "제품", "label_en": "P"}],
                },
            ),
            "preset": ("/presets", {"category": "mood", "label_en": "mine", "snippet": name}),
        }[kind]
        r = self.call(owner, "POST", path, json=body)
        assert r.status_code == 201, (kind, r.status_code, r.text)
        object_id = r.json()["id"]
        self.model[kind][owner][object_id] = name
        self.touched.add(owner)
        return (kind, owner, object_id)

    @rule(target=objects, owner=st.integers(0, USERS - 1))
    def ingest_image(self, owner: int) -> tuple[str, int, str]:
        p, image_id, task_id = self.platform, str(uuid.uuid4()), str(uuid.uuid4())
        user_id = self.actors[owner].user_id
        image = {
            "id": image_id,
            "owner_id": user_id,
            "task_id": task_id,
            "index": 0,
            "png_key": f"{user_id}/{task_id}/0.png",
            "thumb_key": f"{user_id}/{task_id}/0.webp",
            "width": 256,
            "height": 256,
            "generation_width": 256,
            "generation_height": 256,
            "prompt": "private",
            "seed": 1,
            "steps": 8,
            "guidance_scale": 0.0,
            "created_at": datetime.now(UTC).isoformat(),
        }
        r = p.http.put(
            f"http://127.0.0.1:{p.stack.base + 3}/internal/v1/images",
            json={"images": [image]},
            headers={"X-Internal-Token": ServiceSettings().internal_token},
        )
        assert r.status_code == 200, r.text
        self.model["image"][owner][image_id] = None  # no note yet
        self.touched.add(owner)
        return ("image", owner, image_id)

    @rule(obj=objects, actor=st.integers(0, USERS))
    def get(self, obj: tuple[str, int, str], actor: int) -> None:
        kind, owner, object_id = obj
        path = {
            "template": f"/templates/{object_id}",
            "preset": f"/presets/{object_id}",
            "image": f"/gallery/images/{object_id}",
        }.get(kind)
        exists = object_id in self.model[kind][owner]
        if path is None:  # folders and tags are read through their lists only
            assert (object_id in self.listed(actor, kind)) == (actor == owner and exists)
            return
        r = self.call(actor, "GET", path)
        assert r.status_code == (200 if actor == owner and exists else 404), (kind, actor, owner, r.text)

    @rule(obj=objects, actor=st.integers(0, USERS), name=_name())
    def rename(self, obj: tuple[str, int, str], actor: int, name: str) -> None:
        kind, owner, object_id = obj
        path, body = {
            "folder": (f"/gallery/folders/{object_id}", {"name": name}),
            "tag": (f"/gallery/tags/{object_id}", {"name": name}),
            "template": (f"/templates/{object_id}", {"name_en": name}),
            "preset": (f"/presets/{object_id}", {"snippet": name}),
            "image": (f"/gallery/images/{object_id}", {"note": name}),
        }[kind]
        r = self.call(actor, "PATCH", path, json=body)
        exists = object_id in self.model[kind][owner]
        if actor == owner and exists:
            assert r.status_code == 200, (kind, r.text)
            self.model[kind][owner][object_id] = name
        else:
            assert r.status_code == 404, (kind, actor, owner, r.status_code, r.text)
        self.touched |= {owner, actor}

    @rule(obj=consumes(objects), actor=st.integers(0, USERS))
    def delete(self, obj: tuple[str, int, str], actor: int) -> None:
        kind, owner, object_id = obj
        path = {
            "folder": f"/gallery/folders/{object_id}",
            "tag": f"/gallery/tags/{object_id}",
            "template": f"/templates/{object_id}",
            "preset": f"/presets/{object_id}",
            "image": f"/gallery/images/{object_id}",
        }[kind]
        r = self.call(actor, "DELETE", path)
        if actor == owner and object_id in self.model[kind][owner]:
            assert r.status_code == 204, (kind, r.text)
            del self.model[kind][owner][object_id]
        else:
            assert r.status_code == 404, (kind, actor, owner, r.status_code, r.text)
        self.touched |= {owner, actor}

    # -- invariants -----------------------------------------------------------------------------------------
    def check(self, actor: int) -> None:
        for kind in KINDS:
            seen = self.listed(actor, kind)
            if actor == ADMIN:  # the administrator owns nothing here and sees none of the users' objects
                everything = {i for per_user in self.model[kind] for i in per_user}
                assert not set(seen) & everything, (kind, seen)
            else:
                assert seen == self.model[kind][actor], (kind, actor, seen, self.model[kind][actor])

    @invariant()
    def lists_match_the_model(self) -> None:
        for actor in sorted(self.touched):
            self.check(actor)
        self.touched.clear()

    def teardown(self) -> None:
        for actor in range(USERS + 1):
            self.check(actor)


def test_nobody_sees_changes_or_deletes_what_they_do_not_own(platform: Platform) -> None:
    Ownership.platform = platform
    Ownership.admin = platform.admin()
    run_state_machine_as_test(
        Ownership,
        settings=settings(
            max_examples=20,
            stateful_step_count=15,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
