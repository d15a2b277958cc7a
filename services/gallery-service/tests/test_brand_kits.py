"""Brand kits: everyone signed in reads, administrators change (audited); fonts and logos validated by loading
them, size-limited, stored in the object store and removed with their kit; the reconciler keeps live kit files
and removes orphaned ones. Runs on {SQLite, PostgreSQL} × {local folder, S3 (moto)}."""

from __future__ import annotations

import asyncio
import io
import os
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fontTools.ttLib import TTFont
from PIL import Image
from zimage_common.db import Database
from zimage_gallery.reconciler.service import reconcile

from tests.support.object_store_matrix import data_dir, database_url, gallery_overrides  # noqa: F401 - fixtures

KITS = "/api/v1/brand-kits"
FONT_DIR = Path(__file__).resolve().parents[1] / "src" / "zimage_gallery" / "overlays" / "fonts"
REGULAR = (FONT_DIR / "Pretendard-Regular.otf").read_bytes()
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40">'
    b'<rect width="120" height="40" rx="6" fill="#E4002B"/><circle cx="20" cy="20" r="10" fill="#fff"/></svg>'
)
XXE_SVG = (
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&x;</text></svg>'
)


def a_kit(**fields: Any) -> dict[str, Any]:
    return {
        "name": f"Brand {uuid.uuid4().hex[:8]}",
        "colours": [{"role": "primary", "hex": "#e4002b"}, {"role": "text", "hex": "#FFFFFF"}],
        "style_words": ["clean minimal", "soft daylight"],
        "avoid_words": ["cartoon", "네온"],
        **fields,
    }


def png(width: int = 80, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (228, 0, 43, 255)).save(out, "PNG")
    return out.getvalue()


def woff2() -> bytes:
    font = TTFont(io.BytesIO(REGULAR))
    font.flavor = "woff2"
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


async def upload(gallery: Any, user: Any, path: str, name: str, data: bytes, content_type: str) -> httpx.Response:
    return await gallery.http.post(
        f"{gallery.url}{path}", files={"file": (name, data, content_type)}, headers=user.headers
    )


async def stored_keys(gallery: Any, prefix: str = "brand-kits/") -> list[str]:
    return sorted([info.key async for info in gallery.settings.object_store().list(prefix)])


@pytest.fixture
async def db(gallery: Any) -> AsyncIterator[Database]:
    database = Database(gallery.settings.resolved_database_url(), gallery.settings.database_schema)
    yield database
    await database.dispose()


async def test_crud_permissions_and_audit(gallery: Any) -> None:
    admin, user = await gallery.admin(), await gallery.user()
    body = a_kit()
    assert (await gallery.call("POST", KITS, user, json=body)).status_code == 403
    assert (await gallery.call("POST", KITS, json=body)).status_code == 401

    kit = await gallery.ok("POST", KITS, admin, json=body, status=201)
    assert kit["colours"] == [{"role": "primary", "hex": "#E4002B"}, {"role": "text", "hex": "#FFFFFF"}]
    assert kit["style_words"] == ["clean minimal", "soft daylight"] and kit["avoid_words"] == ["cartoon", "네온"]
    assert kit["fonts"] == [] and kit["logos"] == [] and kit["default_font_id"] is None
    assert kit["created_by"] == admin.id

    # everyone signed in reads
    assert (await gallery.ok("GET", f"{KITS}/{kit['id']}", user))["name"] == body["name"]
    listed = await gallery.ok("GET", KITS, user, params={"limit": 100})
    assert kit["id"] in [k["id"] for k in listed["items"]]
    assert (await gallery.call("GET", KITS)).status_code == 401
    assert (await gallery.call("GET", f"{KITS}/{uuid.uuid4()}", user)).json()["error"] == "BrandKitNotFound"

    patch = {"name": body["name"] + " v2", "avoid_words": ["cartoon"]}
    assert (await gallery.call("PATCH", f"{KITS}/{kit['id']}", user, json=patch)).status_code == 403
    changed = await gallery.ok("PATCH", f"{KITS}/{kit['id']}", admin, json=patch)
    assert changed["name"] == patch["name"] and changed["avoid_words"] == ["cartoon"]
    assert changed["style_words"] == kit["style_words"]

    other = await gallery.ok("POST", KITS, admin, json=a_kit(), status=201)
    taken = await gallery.call("PATCH", f"{KITS}/{other['id']}", admin, json={"name": patch["name"]})
    assert taken.status_code == 409 and taken.json()["error"] == "BrandKitNameTaken"
    assert (await gallery.call("POST", KITS, admin, json=a_kit(name=patch["name"]))).status_code == 409

    assert (await gallery.call("DELETE", f"{KITS}/{kit['id']}", user)).status_code == 403
    assert (await gallery.call("DELETE", f"{KITS}/{kit['id']}", admin)).status_code == 204
    assert (await gallery.call("GET", f"{KITS}/{kit['id']}", user)).status_code == 404
    assert (await gallery.call("DELETE", f"{KITS}/{kit['id']}", admin)).status_code == 404

    rows = await gallery.audit(admin, kit["id"])
    assert [r["action"] for r in rows] == ["brand_kit.create", "brand_kit.update", "brand_kit.delete"]
    assert {r["actor_id"] for r in rows} == {admin.id} and {r["service"] for r in rows} == {"gallery-service"}
    assert rows[1]["detail"]["avoid_words"] == {"from": ["cartoon", "네온"], "to": ["cartoon"]}


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"colours": [{"role": "primary", "hex": "#E4002"}]}, "colours.0.hex"),
        ({"colours": [{"role": "primary", "hex": "red"}]}, "colours.0.hex"),
        ({"colours": [{"role": "shadow", "hex": "#000000"}]}, "colours.0.role"),
        ({"colours": [{"role": "text", "hex": "#000000"}, {"role": "text", "hex": "#FFFFFF"}]}, "one colour per role"),
        ({"style_words": ["a"] * 2}, "listed twice"),
        ({"style_words": [f"w{i}" for i in range(31)]}, "style_words"),
        ({"avoid_words": ["x" * 61]}, "avoid_words.0"),
        ({"avoid_words": ["one, two"]}, "comma"),
        ({"style_words": ["Neon"], "avoid_words": ["neon"]}, "both a style word and an avoid word"),
        ({"name": "  "}, "name"),
    ],
)
async def test_validation(gallery: Any, fields: dict[str, Any], says: str) -> None:
    admin = await gallery.admin()
    resp = await gallery.call("POST", KITS, admin, json=a_kit(**fields))
    assert resp.status_code == 422, resp.text
    assert says in resp.json()["detail"]


async def test_fonts_and_logos_stored_signed_and_removed_with_the_kit(gallery: Any) -> None:
    admin, user = await gallery.admin(), await gallery.user()
    kit = await gallery.ok("POST", KITS, admin, json=a_kit(), status=201)
    path = f"{KITS}/{kit['id']}"

    assert (await upload(gallery, user, f"{path}/fonts", "brand.otf", REGULAR, "font/otf")).status_code == 403
    resp = await upload(gallery, admin, f"{path}/fonts", "brand.otf", REGULAR, "font/otf")
    assert resp.status_code == 201, resp.text
    otf = resp.json()
    assert otf["family"] == "Pretendard" and otf["style"] == "Regular"
    assert otf["key"] == f"brand-kits/{kit['id']}/fonts/{otf['id']}.otf" and otf["bytes"] == len(REGULAR)
    store = gallery.settings.object_store()
    assert await store.get(otf["key"]) == REGULAR

    resp = await upload(gallery, admin, f"{path}/fonts", "brand.woff2", woff2(), "font/woff2")
    assert resp.status_code == 201, resp.text
    unpacked = resp.json()
    assert unpacked["key"].endswith(".otf")  # stored unpacked, as the renderer loads it
    assert (await store.get(unpacked["key"]))[:4] == b"OTTO"

    resp = await upload(gallery, admin, f"{path}/logos", "logo.png", png(80, 30), "image/png")
    assert resp.status_code == 201, resp.text
    logo = resp.json()
    assert (logo["width"], logo["height"], logo["content_type"]) == (80, 30, "image/png")
    resp = await upload(gallery, admin, f"{path}/logos", "logo.svg", SVG, "image/svg+xml")
    assert resp.status_code == 201, resp.text
    svg = resp.json()
    assert svg["content_type"] == "image/png" and svg["width"] > 0 and svg["height"] > 0

    # the logo URL is signed like an image URL and serves the PNG
    if gallery.settings.s3_endpoint_url is None:
        assert "sig=" in logo["url"] and "exp=" in logo["url"]
    shown = await gallery.ok("GET", path, user)
    assert [f["id"] for f in shown["fonts"]] == [otf["id"], unpacked["id"]]
    assert [lg["id"] for lg in shown["logos"]] == [logo["id"], svg["id"]]
    rasterised = Image.open(io.BytesIO(await store.get(f"brand-kits/{kit['id']}/logos/{svg['id']}.png")))
    assert rasterised.format == "PNG" and rasterised.size == (svg["width"], svg["height"])

    # a default font must be one of the kit's
    assert (await gallery.call("PATCH", path, admin, json={"default_font_id": str(uuid.uuid4())})).status_code == 422
    assert (await gallery.ok("PATCH", path, admin, json={"default_font_id": otf["id"]}))["default_font_id"] == otf["id"]
    assert (await gallery.call("DELETE", f"{path}/fonts/{otf['id']}", user)).status_code == 403
    assert (await gallery.call("DELETE", f"{path}/fonts/{otf['id']}", admin)).status_code == 204
    after = await gallery.ok("GET", path, user)
    assert after["default_font_id"] is None and [f["id"] for f in after["fonts"]] == [unpacked["id"]]
    assert (await gallery.call("DELETE", f"{path}/fonts/{otf['id']}", admin)).json()["error"] == "BrandKitFileNotFound"
    assert (await gallery.call("DELETE", f"{path}/logos/{logo['id']}", admin)).status_code == 204
    assert await stored_keys(gallery, f"brand-kits/{kit['id']}/") == sorted(
        [unpacked["key"], f"brand-kits/{kit['id']}/logos/{svg['id']}.png"]
    )

    assert (await gallery.call("DELETE", path, admin)).status_code == 204
    assert await stored_keys(gallery, f"brand-kits/{kit['id']}/") == []

    actions = [r["action"] for r in await gallery.audit(admin, kit["id"])]
    assert actions == [
        "brand_kit.create",
        "brand_kit.font_add",
        "brand_kit.font_add",
        "brand_kit.logo_add",
        "brand_kit.logo_add",
        "brand_kit.update",
        "brand_kit.font_delete",
        "brand_kit.logo_delete",
        "brand_kit.delete",
    ]


@pytest.mark.parametrize(
    ("kind", "name", "data", "content_type", "error"),
    [
        ("fonts", "broken.ttf", b"\x00\x01\x00\x00" + b"\x07" * 4000, "font/ttf", "InvalidFont"),
        ("fonts", "cut.otf", REGULAR[: len(REGULAR) // 3], "font/otf", "InvalidFont"),
        ("fonts", "logo.png", png(), "font/ttf", "InvalidFont"),
        ("logos", "broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "image/png", "InvalidLogo"),
        ("logos", "broken.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><rect", "image/svg+xml", "InvalidLogo"),
        ("logos", "xxe.svg", XXE_SVG, "image/svg+xml", "InvalidLogo"),
        ("logos", "font.otf", REGULAR[:4096], "application/octet-stream", "InvalidLogo"),
    ],
)
async def test_malformed_files_are_refused_and_nothing_is_stored(
    gallery: Any, kind: str, name: str, data: bytes, content_type: str, error: str
) -> None:
    admin = await gallery.admin()
    kit = await gallery.ok("POST", KITS, admin, json=a_kit(), status=201)
    resp = await upload(gallery, admin, f"{KITS}/{kit['id']}/{kind}", name, data, content_type)
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"] == error and resp.json()["detail"]
    assert (await gallery.ok("GET", f"{KITS}/{kit['id']}", admin))[kind] == []
    assert await stored_keys(gallery, f"brand-kits/{kit['id']}/") == []
    assert [r["action"] for r in await gallery.audit(admin, kit["id"])] == ["brand_kit.create"]


async def test_size_limits(gallery: Any) -> None:
    admin = await gallery.admin()
    kit = await gallery.ok("POST", KITS, admin, json=a_kit(), status=201)
    path = f"{KITS}/{kit['id']}"
    big_font = REGULAR + b"\x00" * (10 * 1024 * 1024 + 1 - len(REGULAR))
    resp = await upload(gallery, admin, f"{path}/fonts", "big.otf", big_font, "font/otf")
    assert resp.status_code == 413 and resp.json()["error"] == "FileTooLarge"
    logo = png()
    resp = await upload(
        gallery, admin, f"{path}/logos", "big.png", logo + b"\x00" * (2 * 1024 * 1024 + 1 - len(logo)), "image/png"
    )
    assert resp.status_code == 413 and resp.json()["error"] == "FileTooLarge"
    assert await stored_keys(gallery, f"brand-kits/{kit['id']}/") == []
    # a real PNG just under the limit is taken
    noise = io.BytesIO()
    Image.frombytes("RGB", (800, 800), os.urandom(800 * 800 * 3)).save(noise, "PNG", compress_level=0)
    assert 1.8 * 2**20 < len(noise.getvalue()) <= 2 * 2**20
    resp = await upload(gallery, admin, f"{path}/logos", "ok.png", noise.getvalue(), "image/png")
    assert resp.status_code == 201, resp.text


async def test_reconciler_keeps_live_kit_files_and_removes_orphaned_ones(gallery: Any, db: Database) -> None:
    admin = await gallery.admin()
    kit = await gallery.ok("POST", KITS, admin, json=a_kit(), status=201)
    path = f"{KITS}/{kit['id']}"
    font = (await upload(gallery, admin, f"{path}/fonts", "brand.otf", REGULAR, "font/otf")).json()
    logo = (await upload(gallery, admin, f"{path}/logos", "logo.png", png(), "image/png")).json()
    live = [font["key"], f"brand-kits/{kit['id']}/logos/{logo['id']}.png"]
    store = gallery.settings.object_store()
    # files whose record never committed (a failed upload), and a kit that is gone
    orphans = [
        f"brand-kits/{kit['id']}/fonts/{uuid.uuid4()}.ttf",
        f"brand-kits/{kit['id']}/logos/{uuid.uuid4()}.png",
        f"brand-kits/{uuid.uuid4()}/fonts/{uuid.uuid4()}.otf",
    ]
    for key in orphans:
        await store.put(key, b"orphan", "application/octet-stream")
    not_ours = f"brand-kits/{kit['id']}/notes.txt"
    await store.put(not_ours, b"keep", "text/plain")
    await asyncio.sleep(2.5)

    report = await reconcile(db, store, grace=timedelta(seconds=2))
    assert report.delete_failures == 0
    assert all([await store.exists(k) for k in live]), "a live brand-kit file was removed"
    assert not any([await store.exists(k) for k in orphans])
    assert await store.exists(not_ours)
    assert (await gallery.ok("GET", path, admin))["fonts"][0]["id"] == font["id"]
