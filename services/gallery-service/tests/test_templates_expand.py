"""Expansion: one server-side function behind the preview route and image-service's internal route."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

T = "/api/v1/templates"
INTERNAL = "/internal/v1/templates"


def var(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "label_ko": name, "label_en": name, **extra}


async def _make(gallery: Any, user: Any, pattern: str, variables: list[dict[str, Any]], **extra: Any) -> str:
    body = {"name_en": "Expansion test", "pattern": pattern, "variables": variables, **extra}
    return str((await gallery.ok("POST", T, user, json=body, status=201))["id"])


async def _preview(gallery: Any, user: Any, template_id: str, variables: dict[str, Any]) -> Any:
    return await gallery.call("POST", f"{T}/{template_id}/preview", user, json={"variables": variables})


async def _internal(gallery: Any, template_id: str, body: Any, token: str | None = "default") -> Any:
    headers = {} if token is None else {"X-Internal-Token": gallery.INTERNAL_TOKEN if token == "default" else token}
    return await gallery.call("POST", f"{INTERNAL}/{template_id}/expand", json=body, headers=headers)


async def test_defaults_fill_what_the_user_leaves_out(gallery: Any) -> None:
    user = await gallery.user()
    tid = await _make(
        gallery,
        user,
        "A studio photo of {product} on {surface}, {light}",
        [var("product"), var("surface", default="a walnut table"), var("light", required=False)],
        default_preset="youtube_thumbnail",
    )
    resp = await _preview(gallery, user, tid, {"product": "  a red\n\tenamel mug  "})
    assert resp.status_code == 200, resp.text
    # trimmed, whitespace made one space, the empty optional variable leaves no dangling comma
    assert resp.json() == {
        "template_id": tid,
        "name": "Expansion test",
        "name_ko": "Expansion test",
        "prompt": "A studio photo of a red enamel mug on a walnut table",
        "preset": "youtube_thumbnail",
    }
    given = await _preview(gallery, user, tid, {"product": "a mug", "surface": "slate", "light": "soft rim light"})
    assert given.json()["prompt"] == "A studio photo of a mug on slate, soft rim light"
    blank = await _preview(gallery, user, tid, {"product": "a mug", "surface": "   "})  # blank means "use default"
    assert blank.json()["prompt"] == "A studio photo of a mug on a walnut table"


async def test_missing_required_variables_are_named(gallery: Any) -> None:
    user = await gallery.user()
    tid = await _make(
        gallery, user, "{product} in {color}, {size}", [var("product"), var("color"), var("size", default="large")]
    )
    for values in ({}, {"product": " ", "color": "\n"}, {"size": "small"}):
        resp = await _preview(gallery, user, tid, values)
        assert resp.status_code == 422, resp.text
        assert resp.json() == {"error": "ValidationError", "detail": "missing template variables: product, color"}
    only_color = await _preview(gallery, user, tid, {"product": "a scarf"})
    assert only_color.json() == {"error": "ValidationError", "detail": "missing template variables: color"}


async def test_unknown_variables_are_named(gallery: Any) -> None:
    user = await gallery.user()
    tid = await _make(gallery, user, "{product} on a table", [var("product")])
    resp = await _preview(gallery, user, tid, {"product": "a mug", "colour": "red", "lens": "85mm"})
    assert resp.status_code == 422
    assert resp.json() == {"error": "ValidationError", "detail": "unknown template variables: colour, lens"}
    both = await _preview(gallery, user, tid, {"colour": "red"})
    assert both.json()["detail"] == "unknown template variables: colour; missing template variables: product"


async def test_braces_in_values_are_text_not_variables(gallery: Any) -> None:
    user = await gallery.user()
    tid = await _make(gallery, user, "{product} on {surface}", [var("product"), var("surface", default="marble")])
    resp = await _preview(gallery, user, tid, {"product": "a sign reading {surface} and {{x}}"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["prompt"] == "a sign reading {surface} and {{x}} on marble"


async def test_value_and_result_lengths_are_limited(gallery: Any) -> None:
    user = await gallery.user()
    tid = await _make(
        gallery, user, "{product} by {brand}", [var("product", max_length=10), var("brand", max_length=5)]
    )
    ok = await _preview(gallery, user, tid, {"product": "  " + "m" * 10 + "  ", "brand": "ACME"})
    assert ok.status_code == 200 and ok.json()["prompt"] == "m" * 10 + " by ACME"
    long = await _preview(gallery, user, tid, {"product": "m" * 11, "brand": "ACME Inc"})
    assert long.status_code == 422
    assert long.json()["detail"] == (
        "template variables too long: product (at most 10 characters), brand (at most 5 characters)"
    )

    filler = "sharp detail " * 145  # 1885 characters
    big = await _make(gallery, user, filler + "{product}", [var("product", max_length=500)])
    fits = await _preview(gallery, user, big, {"product": "p" * 100})
    assert fits.status_code == 200 and len(fits.json()["prompt"]) <= 2000
    over = await _preview(gallery, user, big, {"product": "p" * 200})
    assert over.status_code == 422
    assert over.json() == {
        "error": "ValidationError",
        "detail": f"the expanded prompt is {len(filler) + 200} characters; the limit is 2000",
    }
    huge = await _preview(gallery, user, big, {"product": "p" * 2001})  # refused by the schema, before the template
    assert huge.status_code == 422 and "variables.product" in huge.json()["detail"]


async def test_every_built_in_expands_with_only_its_required_values(gallery: Any) -> None:
    user = await gallery.user()
    built_ins = (await gallery.ok("GET", T, user, params={"scope": "builtin"}))["items"]
    assert len(built_ins) == 10
    for template in built_ins:
        values = {v["name"]: f"test-{v['name']}" for v in template["variables"] if v["required"]}
        resp = await _preview(gallery, user, template["id"], values)
        assert resp.status_code == 200, (template["name_en"], resp.text)
        out = resp.json()
        assert out["preset"] == template["default_preset"] and out["name"] == template["name_en"]
        assert "{" not in out["prompt"] and "}" not in out["prompt"], out["prompt"]
        assert all(value in out["prompt"] for value in values.values())
        for v in template["variables"]:
            if v["default"]:
                assert v["default"] in out["prompt"], (template["name_en"], v["name"])
        assert 100 < len(out["prompt"]) <= 2000


async def test_internal_expand_needs_the_service_token(gallery: Any) -> None:
    user = await gallery.user()
    tid = await _make(gallery, user, "{product} on a table", [var("product")])
    body = {"user_id": user.id, "variables": {"product": "a mug"}}
    for token in (None, "", "wrong-token", gallery.INTERNAL_TOKEN + "x", gallery.INTERNAL_TOKEN[:-1]):
        resp = await _internal(gallery, tid, body, token)
        assert resp.status_code == 401, (token, resp.text)
        assert resp.json()["error"] == "Unauthorized"
    # the token is checked before the body is read
    assert (await _internal(gallery, tid, {"nonsense": True}, "wrong")).status_code == 401
    # a user's access token is not a service token
    resp = await gallery.call("POST", f"{INTERNAL}/{tid}/expand", user, json=body)
    assert resp.status_code == 401

    ok = await _internal(gallery, tid, body)
    assert ok.status_code == 200, ok.text
    assert ok.json() == {
        "template_id": tid,
        "name": "Expansion test",
        "name_ko": "Expansion test",
        "prompt": "a mug on a table",
        "preset": "square_1024",
    }
    preview = await _preview(gallery, user, tid, body["variables"])
    assert preview.json() == ok.json()


async def test_internal_expand_sees_what_the_user_sees(gallery: Any) -> None:
    owner, other, admin = await gallery.user(), await gallery.user(), await gallery.admin()
    personal = await _make(gallery, owner, "{product} on a table", [var("product")])
    shared = await _make(gallery, admin, "team shot of {product}", [var("product")], scope="shared")
    builtin = (await gallery.ok("GET", T, owner, params={"scope": "builtin", "limit": 1}))["items"][0]["id"]
    values = {"product": "a mug"}

    for who in (other.id, admin.id, str(uuid.uuid4())):
        resp = await _internal(gallery, personal, {"user_id": who, "variables": values})
        assert resp.status_code == 404, resp.text
        assert resp.json() == {"error": "TemplateNotFound", "detail": "No such template"}
    assert (await _internal(gallery, str(uuid.uuid4()), {"user_id": owner.id, "variables": values})).status_code == 404
    for tid in (personal, shared, builtin):
        resp = await _internal(gallery, tid, {"user_id": owner.id, "variables": values})
        assert resp.status_code == 200, resp.text
        assert "a mug" in resp.json()["prompt"]
    for tid in (shared, builtin):
        assert (await _internal(gallery, tid, {"user_id": other.id, "variables": values})).status_code == 200

    missing = await _internal(gallery, personal, {"user_id": owner.id, "variables": {}})
    assert missing.status_code == 422
    assert missing.json() == {"error": "ValidationError", "detail": "missing template variables: product"}
    unknown = await _internal(gallery, personal, {"user_id": owner.id, "variables": {"product": "x", "size": "9"}})
    assert unknown.json() == {"error": "ValidationError", "detail": "unknown template variables: size"}
    assert (await _internal(gallery, personal, {"variables": values})).status_code == 422  # user_id is required


@pytest.mark.parametrize("values", [{"product": 3}, {"product": None}, ["product"]])
async def test_preview_values_must_be_text(gallery: Any, values: Any) -> None:
    user = await gallery.user()
    tid = await _make(gallery, user, "{product}", [var("product")])
    resp = await gallery.call("POST", f"{T}/{tid}/preview", user, json={"variables": values})
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"] == "ValidationError"
