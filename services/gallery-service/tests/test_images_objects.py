"""What touches the object store: channel exports, deletion with every object, streamed ZIPs.

Each test runs on {SQLite, PostgreSQL} × {local folder, S3 (moto on loopback)}.
"""

from __future__ import annotations

import io
import time
import uuid
import zipfile
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest
from PIL import Image, ImageOps
from zimage_common.sizes import PRESETS_BY_ID, generation_size

from tests.support.object_store_matrix import data_dir, database_url, gallery_overrides  # noqa: F401 - fixtures

IMAGES = "/api/v1/gallery/images"


async def export(gallery: Any, user: Any, image_id: str, **params: Any) -> httpx.Response:
    return await gallery.call("GET", f"{IMAGES}/{image_id}/export", user, params=params)  # type: ignore[no-any-return]


async def approve(gallery: Any, owner: Any, image_id: str, reviewer: Any = None) -> None:
    """Through review, as a team does it: the owner submits, a reviewer (an admin here) approves."""
    await gallery.ok("POST", f"{IMAGES}/{image_id}/review", owner, json={"action": "submit"})
    reviewer = reviewer or await gallery.admin()
    await gallery.ok("POST", f"{IMAGES}/{image_id}/review", reviewer, json={"action": "approve"})


async def stored_keys(seed: Any) -> set[str]:
    return {info.key async for info in seed.store.list("")}


@pytest.mark.parametrize("preset", ["instagram_square", "facebook_cover"])
@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp"])
async def test_export_has_the_exact_pixels_and_is_cached(gallery: Any, seed: Any, preset: str, fmt: str) -> None:
    user = await gallery.user()
    target = PRESETS_BY_ID[preset]
    gen_w, gen_h = generation_size(target.width, target.height)
    record = await seed.image(
        user,
        prompt="서울 야경, Neon night!",
        preset=preset,
        width=target.width,
        height=target.height,
        generation_width=gen_w,
        generation_height=gen_h,
    )
    original = await seed.put_objects(record, gen_w, gen_h)
    await approve(gallery, user, record["id"])  # approved: no DRAFT mark, so the pixels are the resize's alone

    first = await export(gallery, user, record["id"], preset=preset, format=fmt, quality=85, delivery="attachment")
    assert first.status_code == 200, first.text
    assert first.headers["x-export-cache"] == "miss"
    ext = {"png": "png", "jpeg": "jpg", "webp": "webp"}[fmt]
    name = f"서울-야경-neon-night_{preset}_{target.width}x{target.height}.{ext}"
    disposition = first.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="')
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == name
    assert disposition.encode("ascii")  # the header itself stays ASCII
    assert first.headers["content-type"] == {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}[fmt]

    rendered = Image.open(io.BytesIO(first.content))
    assert rendered.size == (target.width, target.height)
    assert rendered.format == {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}[fmt]
    if fmt == "png":  # lossless: exactly the centre-crop + Lanczos of the original
        expected = ImageOps.fit(
            Image.open(io.BytesIO(original)).convert("RGB"),
            (target.width, target.height),
            method=Image.Resampling.LANCZOS,
        )
        assert rendered.convert("RGB").tobytes() == expected.tobytes()

    key = f"{record['png_key'].removesuffix('.png')}.export.{preset}_final.{100 if fmt == 'png' else 85}.{ext}"
    assert await seed.store.exists(key)
    before = {i.key: i.modified async for i in seed.store.list(key)}

    second = await export(gallery, user, record["id"], preset=preset, format=fmt, quality=85, delivery="attachment")
    assert second.status_code == 200 and second.headers["x-export-cache"] == "hit"
    assert second.content == first.content
    assert {i.key: i.modified async for i in seed.store.list(key)} == before  # not written again

    redirect = await export(gallery, user, record["id"], preset=preset, format=fmt, quality=85)
    assert redirect.status_code == 307 and redirect.headers["x-export-cache"] == "hit"
    location = redirect.headers["location"]
    assert key in unquote(urlsplit(location).path)
    if gallery.settings.s3_endpoint_url:  # the signed URL works as it is, and names the file
        fetched = await gallery.http.get(location)
        assert fetched.status_code == 200 and fetched.content == first.content
        assert unquote(fetched.headers["content-disposition"].split("filename*=UTF-8''", 1)[1]) == name
    else:  # served by image-service from the same folder: check the signature it will check
        query = parse_qs(urlsplit(location).query)
        assert int(query["exp"][0]) - int(time.time()) <= 300
        assert query["dn"] == [name]
        seed.store.verify_signature(key, query["exp"][0], query["sig"][0], query["dn"][0])
    # the other formats/qualities are other objects
    assert len({k for k in await stored_keys(seed) if ".export." in k and record["task_id"] in k}) == 1


async def test_export_refusals(gallery: Any, seed: Any) -> None:
    user = await gallery.user()
    record = await seed.image(user)
    image = f"{IMAGES}/{record['id']}/export"
    for params in (
        {},
        {"preset": "poster_a0"},
        {"preset": "instagram_square", "format": "gif"},
        {"preset": "instagram_square", "quality": 0},
        {"preset": "instagram_square", "delivery": "x"},
    ):
        resp = await gallery.call("GET", image, user, params=params)
        assert resp.status_code == 422, (params, resp.text)
    missing = await seed.image(user, with_objects=False)
    resp = await export(gallery, user, missing["id"], preset="instagram_square")
    assert resp.status_code == 404 and resp.json()["error"] == "OriginalMissing"
    resp = await export(gallery, user, str(uuid.uuid4()), preset="instagram_square")
    assert resp.status_code == 404 and resp.json()["error"] == "ImageNotFound"


async def test_delete_removes_the_png_thumbnail_and_exports(gallery: Any, seed: Any) -> None:
    user = await gallery.user()
    record, keep = await seed.images(user, 2)
    for fmt in ("png", "jpeg", "webp"):
        assert (await export(gallery, user, record["id"], preset="facebook_cover", format=fmt)).status_code == 307
    assert (await export(gallery, user, keep["id"], preset="facebook_cover")).status_code == 307
    prefix = record["png_key"].removesuffix(".png")
    mine = {k for k in await stored_keys(seed) if k.startswith(prefix)}
    assert len(mine) == 5 and {record["png_key"], record["thumb_key"]} <= mine

    assert (await gallery.call("DELETE", f"{IMAGES}/{record['id']}", user)).status_code == 204
    assert {k for k in await stored_keys(seed) if k.startswith(prefix)} == set()
    assert (await gallery.call("GET", f"{IMAGES}/{record['id']}", user)).status_code == 404
    assert (await gallery.call("DELETE", f"{IMAGES}/{record['id']}", user)).status_code == 404
    # the other image and its export are untouched
    other_prefix = keep["png_key"].removesuffix(".png")
    assert len({k for k in await stored_keys(seed) if k.startswith(other_prefix)}) == 3

    bulk = await gallery.call("POST", f"{IMAGES}/bulk", user, json={"action": "delete", "ids": [keep["id"]]})
    assert bulk.status_code == 200
    assert {k for k in await stored_keys(seed) if k.startswith(other_prefix)} == set()


async def test_zip_streams_exactly_the_selected_own_images(gallery: Any, seed: Any) -> None:
    user, other = await gallery.user(), await gallery.user()
    a, _b, c = await seed.images(user, 3, prompt="봄 세일 banner")
    theirs = await seed.image(other, prompt="secret")

    chunks = []
    async with gallery.http.stream(
        "POST", f"{gallery.url}{IMAGES}/zip", headers=user.headers, json={"ids": [a["id"], c["id"], a["id"]]}
    ) as resp:
        assert resp.status_code == 200
        assert resp.headers["content-type"] == "application/zip"
        assert "content-length" not in resp.headers  # sent as it is written, not built first
        assert resp.headers["content-disposition"].startswith('attachment; filename="zimage-gallery-')
        async for chunk in resp.aiter_raw():
            chunks.append(chunk)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.testzip() is None
    expected = {f"봄-세일-banner_{uuid.UUID(r['id']).hex[:8]}.png": r for r in (a, c)}
    assert sorted(archive.namelist()) == sorted(expected)
    for info in archive.infolist():
        assert info.compress_type == zipfile.ZIP_STORED
        original = Image.open(io.BytesIO(await seed.store.get(expected[info.filename]["png_key"])))
        entry = Image.open(io.BytesIO(archive.read(info)))
        entry.load()
        # drafts: same size, DRAFT drawn over the pixels, provenance in the file
        assert entry.size == original.size and entry.convert("RGB").tobytes() != original.convert("RGB").tobytes()
        assert entry.text["Image-Id"] == expected[info.filename]["id"]

    # approved: the original's pixels exactly (its bytes gain the provenance chunks and nothing else)
    await approve(gallery, user, a["id"])
    resp = await gallery.call("POST", f"{IMAGES}/zip", user, json={"ids": [a["id"]]})
    archive = zipfile.ZipFile(io.BytesIO(resp.content))
    entry = Image.open(io.BytesIO(archive.read(archive.namelist()[0])))
    entry.load()
    original = Image.open(io.BytesIO(await seed.store.get(a["png_key"])))
    assert entry.convert("RGB").tobytes() == original.convert("RGB").tobytes()
    assert entry.text["AI-Generated"].startswith("AI-generated") and entry.text["Export-Preset"] == "original"

    # someone else's id (or one that does not exist) anywhere in the selection: 404 before any byte
    for ids in ([a["id"], theirs["id"]], [theirs["id"]], [str(uuid.uuid4())]):
        resp = await gallery.call("POST", f"{IMAGES}/zip", user, json={"ids": ids})
        assert resp.status_code == 404 and resp.json()["error"] == "ImageNotFound", resp.text
    assert (await gallery.call("POST", f"{IMAGES}/zip", user, json={"ids": []})).status_code == 422
