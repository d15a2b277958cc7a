"""Who may do what to which template: every route that takes an id, by caller, by kind of template."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

T = "/api/v1/templates"
PRODUCT = [{"name": "product", "label_ko": "제품", "label_en": "Product"}]
# (method, path suffix, body, status when allowed)
ID_ROUTES = [
    ("GET", "", None, 200),
    ("PATCH", "", {"name_en": "Renamed"}, 200),
    ("DELETE", "", None, 204),
    ("POST", "/preview", {"variables": {"product": "a mug"}}, 200),
]
CHANGES = {"PATCH", "DELETE"}


def _body(scope: str, tag: str) -> dict[str, Any]:
    return {"scope": scope, "name_en": f"Access {tag}", "pattern": "a photo of {product}", "variables": PRODUCT}


async def _anonymous_and_bad_tokens_get_401(gallery: Any, method: str, path: str, body: Any) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Basic dXNlcjpwYXNz"}):
        resp = await gallery.call(method, path, json=body, headers=headers)
        assert resp.status_code == 401, (method, path, headers, resp.text)
        assert resp.json()["error"] == "Unauthorized"
        assert resp.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "body"), [("GET", None), ("POST", {"name_en": "x", "pattern": "a cat"})])
async def test_collection_routes_need_sign_in(gallery: Any, method: str, body: Any) -> None:
    await _anonymous_and_bad_tokens_get_401(gallery, method, T, body)


@pytest.mark.parametrize(("method", "suffix", "body", "allowed"), ID_ROUTES)
async def test_personal_template(gallery: Any, method: str, suffix: str, body: Any, allowed: int) -> None:
    owner, other, admin = await gallery.user(), await gallery.user(), await gallery.admin()
    made = await gallery.ok("POST", T, owner, json=_body("personal", uuid.uuid4().hex), status=201)
    path = f"{T}/{made['id']}{suffix}"

    await _anonymous_and_bad_tokens_get_401(gallery, method, path, body)
    missing = await gallery.call(method, f"{T}/{uuid.uuid4()}{suffix}", other, json=body)
    for stranger in (other, admin):  # someone else's personal template is indistinguishable from none
        resp = await gallery.call(method, path, stranger, json=body)
        assert resp.status_code == 404, resp.text
        assert resp.json() == missing.json() == {"error": "TemplateNotFound", "detail": "No such template"}
    assert await gallery.ok("GET", f"{T}/{made['id']}", owner) == made  # nothing changed

    resp = await gallery.call(method, path, owner, json=body)
    assert resp.status_code == allowed, resp.text


@pytest.mark.parametrize(("method", "suffix", "body", "allowed"), ID_ROUTES)
async def test_shared_template(gallery: Any, method: str, suffix: str, body: Any, allowed: int) -> None:
    user, admin, other_admin = await gallery.user(), await gallery.admin(), await gallery.admin()
    made = await gallery.ok("POST", T, admin, json=_body("shared", uuid.uuid4().hex), status=201)
    path = f"{T}/{made['id']}{suffix}"

    await _anonymous_and_bad_tokens_get_401(gallery, method, path, body)
    resp = await gallery.call(method, path, user, json=body)
    if method in CHANGES:  # visible, but not theirs to change
        assert resp.status_code == 403, resp.text
        assert resp.json() == {"error": "TemplateReadOnly", "detail": "Only administrators can change shared templates"}
        assert (await gallery.ok("GET", f"{T}/{made['id']}", user))["name_en"] == made["name_en"]
    else:
        assert resp.status_code == allowed, resp.text
    resp = await gallery.call(method, path, other_admin, json=body)
    assert resp.status_code == allowed, resp.text


@pytest.mark.parametrize(("method", "suffix", "body", "allowed"), ID_ROUTES)
async def test_built_in_template(gallery: Any, method: str, suffix: str, body: Any, allowed: int) -> None:
    user, admin = await gallery.user(), await gallery.admin()
    hero = (await gallery.ok("GET", T, user, params={"scope": "builtin", "q": "Product hero"}))["items"][0]
    path = f"{T}/{hero['id']}{suffix}"

    await _anonymous_and_bad_tokens_get_401(gallery, method, path, body)
    for who in (user, admin):
        resp = await gallery.call(method, path, who, json=body)
        if method in CHANGES:
            assert resp.status_code == 403, resp.text
            assert resp.json()["error"] == "TemplateReadOnly"
            assert "Built-in templates are read-only" in resp.json()["detail"]
        else:
            assert resp.status_code == allowed, resp.text
    assert await gallery.ok("GET", f"{T}/{hero['id']}", user) == hero


async def test_lists_never_show_others_personal_templates(gallery: Any) -> None:
    alice, bob, admin = await gallery.user(), await gallery.user(), await gallery.admin()
    tag = uuid.uuid4().hex
    secret = await gallery.ok("POST", T, alice, json=_body("personal", tag) | {"category": "food"}, status=201)
    for who in (bob, admin):
        for params in (
            {},
            {"limit": 100},
            {"scope": "personal"},
            {"q": tag},
            {"category": "food"},
            {"category": "food", "scope": "personal", "q": "Access"},
        ):
            ids = set()
            cursor = None
            while True:
                page = await gallery.ok("GET", T, who, params=params | ({"cursor": cursor} if cursor else {}))
                ids |= {t["id"] for t in page["items"]}
                assert all(t["scope"] != "personal" or t["owner_id"] == who.id for t in page["items"])
                if not (cursor := page["next_cursor"]):
                    break
            assert secret["id"] not in ids, (params, who)
    mine = await gallery.ok("GET", T, alice, params={"q": tag})
    assert [t["id"] for t in mine["items"]] == [secret["id"]]
