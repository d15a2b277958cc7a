"""Templates: built-ins, personal CRUD, admin-only shared templates, list filters and cursors, pattern rules."""

from __future__ import annotations

import uuid
from typing import Any

from zimage_common.sizes import PRESETS_BY_ID
from zimage_gallery.templates.service import placeholders

T = "/api/v1/templates"
BUILTIN_NAMES = [
    "Product hero shot",
    "Social feed post",
    "Event banner with headline space",
    "Seasonal sale poster",
    "Food menu photo",
    "Cosmetics flat lay",
    "Fashion lookbook",
    "Interior & real estate photo",
    "Tech & SaaS hero illustration",
    "Store opening flyer",
]


def template(**changes: Any) -> dict[str, Any]:
    body = {
        "name_ko": "머그컵 광고",
        "name_en": "Mug ad",
        "description_ko": "머그컵 제품 사진",
        "description_en": "A product photo of a mug",
        "category": "product",
        "pattern": "A studio photo of {product} on {surface}",
        "variables": [
            {"name": "product", "label_ko": "제품", "label_en": "Product", "max_length": 80},
            {
                "name": "surface",
                "label_ko": "바닥",
                "label_en": "Surface",
                "default": "a walnut table",
                "required": False,
            },
        ],
        "default_preset": "instagram_square",
    }
    return body | changes


def var(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "label_ko": name, "label_en": name, **extra}


async def _all(gallery: Any, user: Any, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = await gallery.ok("GET", T, user, params={**params, **({"cursor": cursor} if cursor else {})})
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


async def test_ten_built_ins_everyone_reads_and_nobody_changes(gallery: Any) -> None:
    user, admin = await gallery.user(), await gallery.admin()
    page = await gallery.ok("GET", T, user, params={"scope": "builtin"})
    items = page["items"]
    assert [t["name_en"] for t in items] == BUILTIN_NAMES
    assert page["next_cursor"] is None
    assert len({t["category"] for t in items}) >= 8
    for t in items:
        assert t["scope"] == "builtin" and t["owner_id"] is None and t["editable"] is False
        assert t["name_ko"] and t["description_ko"] and t["description_en"]
        assert t["default_preset"] in PRESETS_BY_ID
        assert sorted(placeholders(t["pattern"])) == sorted(v["name"] for v in t["variables"])
        assert any(v["required"] and v["default"] is None for v in t["variables"]), t["name_en"]
        assert len(t["pattern"]) <= 2000

    hero = items[0]
    for who in (user, admin):
        resp = await gallery.call("PATCH", f"{T}/{hero['id']}", who, json={"name_en": "Mine now"})
        assert resp.status_code == 403, resp.text
        assert resp.json() == {
            "error": "TemplateReadOnly",
            "detail": "Built-in templates are read-only; create a personal template to change one",
        }
        assert (await gallery.call("DELETE", f"{T}/{hero['id']}", who)).status_code == 403
    assert await gallery.ok("GET", f"{T}/{hero['id']}", user) == hero


async def test_personal_template_lifecycle(gallery: Any) -> None:
    user = await gallery.user()
    created = await gallery.ok("POST", T, user, json=template(), status=201)
    assert created["scope"] == "personal"
    assert created["owner_id"] == user.id
    assert created["editable"] is True
    assert created["pattern"] == "A studio photo of {product} on {surface}"
    assert created["variables"] == [
        {
            "name": "product",
            "label_ko": "제품",
            "label_en": "Product",
            "default": None,
            "required": True,
            "max_length": 80,
        },
        {
            "name": "surface",
            "label_ko": "바닥",
            "label_en": "Surface",
            "default": "a walnut table",
            "required": False,
            "max_length": 100,
        },
    ]
    assert created["default_preset"] == "instagram_square"
    assert created["created_at"] == created["updated_at"]
    path = f"{T}/{created['id']}"
    assert await gallery.ok("GET", path, user) == created

    changed = await gallery.ok(
        "PATCH",
        path,
        user,
        json={
            "name_en": "Mug ad v2",
            "pattern": "A studio photo of {product}, {mood} mood",
            "variables": [var("product"), var("mood", default="calm")],
            "default_preset": "x_post",
        },
    )
    assert changed["name_en"] == "Mug ad v2"
    assert changed["name_ko"] == "머그컵 광고"  # untouched fields stay
    assert [v["name"] for v in changed["variables"]] == ["product", "mood"]
    assert changed["default_preset"] == "x_post"
    assert changed["updated_at"] > changed["created_at"]
    assert await gallery.ok("GET", path, user) == changed

    mine = await gallery.ok("GET", T, user, params={"scope": "personal"})
    assert [t["id"] for t in mine["items"]] == [created["id"]]

    assert (await gallery.call("DELETE", path, user)).status_code == 204
    gone = await gallery.call("GET", path, user)
    assert gone.status_code == 404
    assert gone.json() == {"error": "TemplateNotFound", "detail": "No such template"}
    assert (await gallery.call("DELETE", path, user)).status_code == 404
    assert (await gallery.ok("GET", T, user, params={"scope": "personal"}))["items"] == []


async def test_create_fills_in_the_other_name_and_defaults(gallery: Any) -> None:
    user = await gallery.user()
    made = await gallery.ok(
        "POST", T, user, json={"name_en": "Plain", "pattern": "  a quiet beach at dawn  "}, status=201
    )
    assert made["name_ko"] == "Plain"
    assert made["pattern"] == "a quiet beach at dawn"
    assert made["category"] == "other"
    assert made["default_preset"] == "square_1024"
    assert made["variables"] == []
    assert made["description_ko"] == "" and made["description_en"] == ""


async def test_pattern_and_variables_must_agree(gallery: Any) -> None:
    user = await gallery.user()
    cases = [
        (template(pattern="A photo of {product} in {color} on {surface}"), "pattern uses undeclared variables: color"),
        (
            template(variables=[*template()["variables"], var("mood"), var("lens")]),
            "declared variables not used in the pattern: mood, lens",
        ),
        (
            template(pattern="{product} with {color}", variables=[var("product"), var("size")]),
            "pattern uses undeclared variables: color; declared variables not used in the pattern: size",
        ),
    ]
    for body, detail in cases:
        resp = await gallery.call("POST", T, user, json=body)
        assert resp.status_code == 422, resp.text
        assert resp.json() == {"error": "ValidationError", "detail": detail}
    for pattern in ("A photo of {Product}", "A photo of { product }", "a {product} with a } brace", "{{product}}"):
        resp = await gallery.call("POST", T, user, json=template(pattern=pattern, variables=[var("product")]))
        assert resp.status_code == 422, (pattern, resp.text)
        assert "braces are only for variables" in resp.json()["detail"], pattern
    assert (await gallery.ok("GET", T, user, params={"scope": "personal"}))["items"] == []


async def test_field_limits_answer_422_naming_the_field(gallery: Any) -> None:
    user = await gallery.user()
    many = [var(f"v{i}") for i in range(21)]
    cases = [
        (template(pattern="x" * 2001, variables=[]), "pattern"),
        (template(pattern=" ".join(f"{{v{i}}}" for i in range(21)), variables=many), "variables"),
        (
            template(pattern="{product} {product}", variables=[var("product"), var("product")]),
            "variable names must be unique; repeated: product",
        ),
        (template(pattern="{Bad}", variables=[var("Bad")]), "variables.0.name"),
        (template(default_preset="a4_print"), "unknown size preset 'a4_print'"),
        (
            template(variables=[var("product", default="x" * 11, max_length=10), var("surface")]),
            "default of product is longer than its max_length (10)",
        ),
        (template(variables=[var("product", max_length=501), var("surface")]), "variables.0.max_length"),
        ({"pattern": "a beach"}, "give name_ko or name_en"),
        (template(scope="builtin"), "scope"),
        (template(category="cars"), "category"),
        (template(pattern="   "), "pattern"),
    ]
    for body, fragment in cases:
        resp = await gallery.call("POST", T, user, json=body)
        assert resp.status_code == 422, (fragment, resp.text)
        assert resp.json()["error"] == "ValidationError"
        assert fragment in resp.json()["detail"], (fragment, resp.json())
    # exactly 20 variables is fine
    twenty = [var(f"v{i}") for i in range(20)]
    made = await gallery.ok(
        "POST", T, user, json=template(pattern=" ".join(f"{{v{i}}}" for i in range(20)), variables=twenty), status=201
    )
    assert len(made["variables"]) == 20


async def test_patch_checks_the_template_as_it_would_become(gallery: Any) -> None:
    user = await gallery.user()
    made = await gallery.ok("POST", T, user, json=template(), status=201)
    path = f"{T}/{made['id']}"
    cases = [
        ({"pattern": "A photo of {product} in {color}"}, "pattern uses undeclared variables: color"),
        ({"variables": [var("product")]}, "pattern uses undeclared variables: surface"),
        ({"variables": [*made["variables"], var("mood")]}, "declared variables not used in the pattern: mood"),
        ({"name_en": None}, "these fields cannot be null: name_en"),
        ({"pattern": None}, "these fields cannot be null: pattern"),
        ({"default_preset": "billboard"}, "unknown size preset 'billboard'"),
        ({"scope": "shared"}, None),  # scope is fixed at creation: ignored, never a way to publish
    ]
    for body, detail in cases:
        resp = await gallery.call("PATCH", path, user, json=body)
        if detail is None:
            assert resp.status_code == 200 and resp.json()["scope"] == "personal", resp.text
            continue
        assert resp.status_code == 422, (body, resp.text)
        assert detail in resp.json()["detail"], (body, resp.json())
    after = await gallery.ok("GET", path, user)
    assert {k: after[k] for k in ("pattern", "variables", "name_en", "default_preset")} == {
        k: made[k] for k in ("pattern", "variables", "name_en", "default_preset")
    }
    # pattern and variables changed together are checked together
    both = await gallery.ok("PATCH", path, user, json={"pattern": "{thing} at night", "variables": [var("thing")]})
    assert both["pattern"] == "{thing} at night"


async def test_list_filters_search_and_cursor(gallery: Any) -> None:
    user, other = await gallery.user(), await gallery.user()
    tag = uuid.uuid4().hex[:8]
    kimchi = await gallery.ok(
        "POST",
        T,
        user,
        json=template(name_ko=f"김치찌개 {tag}", name_en=f"Kimchi stew {tag}", category="food"),
        status=201,
    )
    bibim = await gallery.ok(
        "POST",
        T,
        user,
        json=template(name_en=f"Bibimbap {tag}", description_en="Summer menu", category="food"),
        status=201,
    )
    sale = await gallery.ok("POST", T, user, json=template(name_en=f"50% off {tag}", category="tech"), status=201)
    await gallery.ok("POST", T, other, json=template(name_en=f"Kimchi other {tag}", category="food"), status=201)

    food = await gallery.ok("GET", T, user, params={"category": "food"})
    assert [t["name_en"] for t in food["items"]] == ["Food menu photo", kimchi["name_en"], bibim["name_en"]]

    assert [t["id"] for t in (await gallery.ok("GET", T, user, params={"q": "KIMCHI"}))["items"]] == [kimchi["id"]]
    assert [t["id"] for t in (await gallery.ok("GET", T, user, params={"q": "김치찌개"}))["items"]] == [kimchi["id"]]
    assert [t["id"] for t in (await gallery.ok("GET", T, user, params={"q": "summer menu"}))["items"]] == [bibim["id"]]
    # LIKE wildcards are searched for literally
    assert [t["id"] for t in (await gallery.ok("GET", T, user, params={"q": "%"}))["items"]] == [sale["id"]]
    assert (await gallery.ok("GET", T, user, params={"q": "_"}))["items"] == []
    assert [
        t["name_en"] for t in (await gallery.ok("GET", T, user, params={"q": "flyer", "scope": "builtin"}))["items"]
    ] == ["Store opening flyer"]

    personal = await gallery.ok("GET", T, user, params={"scope": "personal"})
    assert [t["id"] for t in personal["items"]] == [kimchi["id"], bibim["id"], sale["id"]]
    assert (await gallery.ok("GET", T, user, params={"scope": "shared", "q": tag}))["items"] == []

    everything = (await gallery.ok("GET", T, user, params={"limit": 100}))["items"]
    paged = await _all(gallery, user, limit=4)
    assert [t["id"] for t in paged] == [t["id"] for t in everything]
    assert [t["name_en"] for t in paged[:10]] == BUILTIN_NAMES
    assert [t["id"] for t in paged[-3:]] == [kimchi["id"], bibim["id"], sale["id"]]
    first = await gallery.ok("GET", T, user, params={"limit": 4})
    assert len(first["items"]) == 4 and first["next_cursor"]

    for bad in ("not-a-cursor", "bm90fGE"):
        resp = await gallery.call("GET", T, user, params={"cursor": bad})
        assert resp.status_code == 400, resp.text
        assert resp.json()["error"] == "InvalidCursor"
    for params in ({"category": "cars"}, {"scope": "everyone"}, {"limit": 0}, {"limit": 101}):
        assert (await gallery.call("GET", T, user, params=params)).status_code == 422, params


async def test_shared_templates_are_made_and_changed_by_administrators(gallery: Any) -> None:
    user, admin, second_admin = await gallery.user(), await gallery.admin(), await gallery.admin()
    tag = uuid.uuid4().hex[:8]

    refused = await gallery.call("POST", T, user, json=template(scope="shared", name_en=f"Team {tag}"))
    assert refused.status_code == 403
    assert refused.json() == {
        "error": "TemplateReadOnly",
        "detail": "Only administrators can create shared templates; create a personal one instead",
    }
    assert (await gallery.ok("GET", T, admin, params={"q": tag}))["items"] == []

    shared = await gallery.ok("POST", T, admin, json=template(scope="shared", name_en=f"Team {tag}"), status=201)
    assert shared["scope"] == "shared" and shared["owner_id"] is None and shared["editable"] is True
    path = f"{T}/{shared['id']}"

    seen = await gallery.ok("GET", T, user, params={"scope": "shared", "q": tag})
    assert [t["id"] for t in seen["items"]] == [shared["id"]]
    assert seen["items"][0]["editable"] is False
    assert (await gallery.ok("GET", path, user))["name_en"] == f"Team {tag}"
    for method, body in (("PATCH", {"name_en": "hijacked"}), ("DELETE", None)):
        resp = await gallery.call(method, path, user, json=body)
        assert resp.status_code == 403, resp.text
        assert resp.json() == {"error": "TemplateReadOnly", "detail": "Only administrators can change shared templates"}
    assert (await gallery.ok("GET", path, user))["name_en"] == f"Team {tag}"

    # shared templates belong to the team: any administrator maintains them
    renamed = await gallery.ok("PATCH", path, second_admin, json={"name_en": f"Team v2 {tag}"})
    assert renamed["name_en"] == f"Team v2 {tag}" and renamed["scope"] == "shared"
    assert (await gallery.call("DELETE", path, second_admin)).status_code == 204
    assert (await gallery.call("GET", path, user)).status_code == 404

    # every change to a shared template is an admin action in the audit log; the refused attempts are not
    rows = await gallery.audit(admin, shared["id"])
    assert [(r["action"], r["actor_email"], r["service"]) for r in rows] == [
        ("template.create", admin.email, "gallery-service"),
        ("template.update", second_admin.email, "gallery-service"),
        ("template.delete", second_admin.email, "gallery-service"),
    ]
    assert rows[1]["detail"] == {"name": f"Team v2 {tag}", "fields": ["name_en"]}
    assert all(r["target_type"] == "template" and r["ip"] for r in rows)


async def test_administrators_do_not_see_personal_templates(gallery: Any) -> None:
    user, admin = await gallery.user(), await gallery.admin()
    mine = await gallery.ok("POST", T, user, json=template(), status=201)
    assert (await gallery.call("GET", f"{T}/{mine['id']}", admin)).status_code == 404
    assert (await gallery.call("PATCH", f"{T}/{mine['id']}", admin, json={"name_en": "x"})).status_code == 404
    assert (await gallery.call("DELETE", f"{T}/{mine['id']}", admin)).status_code == 404
    assert mine["id"] not in {t["id"] for t in await _all(gallery, admin, limit=100)}
    assert (await gallery.ok("GET", f"{T}/{mine['id']}", user)) == mine


async def test_openapi_names_every_template_operation(gallery: Any) -> None:
    spec = await gallery.ok("GET", "/openapi.json")
    ids = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {
        "templates_list",
        "templates_create",
        "templates_get",
        "templates_update",
        "templates_delete",
        "templates_preview",
        "presets_list",
        "presets_create",
        "presets_get",
        "presets_update",
        "presets_delete",
    } <= ids
    assert not [p for p in spec["paths"] if p.startswith("/internal")]
    assert "403" in spec["paths"]["/api/v1/templates/{template_id}"]["patch"]["responses"]
