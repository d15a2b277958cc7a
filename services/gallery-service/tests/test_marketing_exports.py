"""What marketing exports put in the object store and in files: overlays stored beside images and previewed at a
channel's pixels, campaign fan-out ZIPs, the DRAFT mark until approval, provenance (PNG text, XMP, C2PA).

Each test runs on {SQLite, PostgreSQL} × {local folder, S3 (moto on loopback)}.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

import httpx
from defusedxml import ElementTree
from PIL import Image, ImageChops
from zimage_common.sizes import PRESETS_BY_ID
from zimage_gallery.provenance.c2pa_signing import read_manifest

from tests.support.object_store_matrix import data_dir, database_url, gallery_overrides  # noqa: F401 - fixtures

G = "/api/v1/gallery/images"
C = "/api/v1/campaigns"
OVERLAY = {
    "headline": "봄맞이 신상품 최대 50% 할인",
    "sub_copy": "이번 주말까지만, 온라인 단독",
    "cta": "지금 쇼핑하기",
    "placement": "bottom_band",
}
CHANNELS = ["instagram_square", "instagram_story", "facebook_cover", "kakao_feed", "youtube_thumbnail"]
IPTC_AI = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


async def approve(gallery: Any, owner: Any, image_id: str) -> None:
    await gallery.ok("POST", f"{G}/{image_id}/review", owner, json={"action": "submit"})
    await gallery.ok("POST", f"{G}/{image_id}/review", await gallery.admin(), json={"action": "approve"})


async def image_with_objects(seed: Any, owner: Any, width: int = 1024, height: int = 1024) -> dict[str, Any]:
    record = await seed.image(owner, prompt="서울 야경 위 네온 간판, cinematic")
    await seed.put_objects(record, width, height)
    return record


async def fan_out(gallery: Any, owner: Any, campaign_id: str, image_id: str) -> zipfile.ZipFile:
    chunks = []
    async with gallery.http.stream(
        "GET", f"{gallery.url}{C}/{campaign_id}/export", headers=owner.headers, params={"image_id": image_id}
    ) as resp:
        assert resp.status_code == 200, await resp.aread()
        assert resp.headers["content-type"] == "application/zip" and "content-length" not in resp.headers
        async for chunk in resp.aiter_raw():
            chunks.append(chunk)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.testzip() is None
    return archive


def pixels(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def differing_fraction(a: Image.Image, b: Image.Image) -> float:
    diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB")).convert("L").point(lambda v: 255 if v > 8 else 0)
    return sum(diff.histogram()[255:]) / (a.width * a.height)


async def test_overlay_spec_round_trip_and_preview_sizes(gallery: Any, seed: Any) -> None:
    owner = await gallery.user()
    record = await image_with_objects(seed, owner)
    url = f"{G}/{record['id']}/overlay"
    assert (await gallery.call("GET", url, owner)).json()["error"] == "OverlayNotFound"
    stored = await gallery.ok("PUT", url, owner, json=OVERLAY)
    assert stored["spec"]["headline"] == OVERLAY["headline"] and stored["spec"]["placement"] == "bottom_band"
    assert (await gallery.ok("GET", url, owner))["spec"] == stored["spec"]
    changed = await gallery.ok("PUT", url, owner, json={**OVERLAY, "placement": "top", "scrim": "always"})
    assert changed["spec"]["placement"] == "top" and changed["spec"]["scrim"] == "always"
    for bad in (
        {},
        {"headline": ""},
        {**OVERLAY, "placement": "diagonal"},
        {**OVERLAY, "unknown": 1},
        {**OVERLAY, "colours": {"text": "red"}},
    ):
        assert (await gallery.call("PUT", url, owner, json=bad)).status_code == 422, bad
    resp = await gallery.call("PUT", url, owner, json={**OVERLAY, "font_id": "00000000-0000-0000-0000-000000000001"})
    assert resp.status_code == 422 and resp.json()["error"] == "UnknownBrandAsset"

    for preset in ("instagram_story", "facebook_cover", "kakao_feed"):
        target = PRESETS_BY_ID[preset]
        resp = await gallery.call("POST", f"{url}/preview", owner, params={"preset": preset})
        assert resp.status_code == 200, resp.text
        assert resp.headers["content-type"] == "image/png"
        assert pixels(resp.content).size == (target.width, target.height)
        layout = json.loads(resp.headers["x-overlay-layout"])
        assert (layout["width"], layout["height"]) == (target.width, target.height)
        assert layout["placement"] == "top" and layout["headline"]["lines"]
        assert layout["content_box"]["x"] >= layout["safe_area"]["x"]
    # a spec in the body is tried without being stored
    resp = await gallery.call(
        "POST", f"{url}/preview", owner, params={"preset": "kakao_feed"}, json={**OVERLAY, "placement": "left_panel"}
    )
    assert json.loads(resp.headers["x-overlay-layout"])["placement"] == "left_panel"
    assert (await gallery.ok("GET", url, owner))["spec"]["placement"] == "top"
    assert (await gallery.call("POST", f"{url}/preview", owner, params={"preset": "nope"})).status_code == 422

    assert (await gallery.call("DELETE", url, owner)).status_code == 204
    assert (await gallery.call("DELETE", url, owner)).status_code == 404
    resp = await gallery.call(
        "GET", f"{G}/{record['id']}/export", owner, params={"preset": "kakao_feed", "overlay": "true"}
    )
    assert resp.status_code == 404 and resp.json()["error"] == "OverlayNotFound"


async def test_export_with_overlay_leaves_the_original_untouched(gallery: Any, seed: Any) -> None:
    owner = await gallery.user()
    record = await image_with_objects(seed, owner)
    original = await seed.store.get(record["png_key"])
    await gallery.ok("PUT", f"{G}/{record['id']}/overlay", owner, json=OVERLAY)
    await approve(gallery, owner, record["id"])
    params = {"preset": "instagram_portrait", "delivery": "attachment"}
    plain = await gallery.call("GET", f"{G}/{record['id']}/export", owner, params=params)
    with_overlay = await gallery.call("GET", f"{G}/{record['id']}/export", owner, params={**params, "overlay": True})
    assert plain.status_code == with_overlay.status_code == 200
    a, b = pixels(plain.content), pixels(with_overlay.content)
    assert a.size == b.size == (1080, 1350)
    assert differing_fraction(a, b) > 0.02  # the overlay is drawn
    assert await seed.store.get(record["png_key"]) == original  # byte for byte
    # the overlay's export is cached under its own key, and changes when the overlay does
    again = await gallery.call("GET", f"{G}/{record['id']}/export", owner, params={**params, "overlay": True})
    assert again.headers["x-export-cache"] == "hit"
    await gallery.ok("PUT", f"{G}/{record['id']}/overlay", owner, json={**OVERLAY, "headline": "새 헤드라인"})
    changed = await gallery.call("GET", f"{G}/{record['id']}/export", owner, params={**params, "overlay": True})
    assert changed.headers["x-export-cache"] == "miss"
    assert await seed.store.get(record["png_key"]) == original


async def test_fan_out_has_every_channel_at_its_pixels_and_draft_until_approved(gallery: Any, seed: Any) -> None:
    owner = await gallery.user()
    record = await image_with_objects(seed, owner)
    await gallery.ok("PUT", f"{G}/{record['id']}/overlay", owner, json=OVERLAY)
    body = {"name": "봄 세일: 서울/부산!", "channels": CHANNELS}
    campaign = await gallery.ok("POST", C, owner, json=body, status=201)
    url = f"{C}/{campaign['id']}"
    resp = await gallery.call("GET", f"{url}/export", owner, params={"image_id": record["id"]})
    assert resp.status_code == 422 and resp.json()["error"] == "ImageNotInCampaign"
    assert (await gallery.call("PUT", f"{url}/images/{record['id']}", owner)).status_code == 204

    draft = await fan_out(gallery, owner, campaign["id"], record["id"])
    expected = {f"봄-세일-서울-부산_{p}_{PRESETS_BY_ID[p].width}x{PRESETS_BY_ID[p].height}.png": p for p in CHANNELS}
    assert sorted(draft.namelist()) == sorted(expected)  # Korean kept, UTF-8 names
    assert all(i.flag_bits & 0x800 for i in draft.infolist())
    for name, preset in expected.items():
        image = pixels(draft.read(name))
        assert image.size == (PRESETS_BY_ID[preset].width, PRESETS_BY_ID[preset].height), name
        assert image.text["Export-Preset"] == preset

    await approve(gallery, owner, record["id"])
    final = await fan_out(gallery, owner, campaign["id"], record["id"])
    assert sorted(final.namelist()) == sorted(expected)
    for name in expected:
        # the same render but for the mark: where DRAFT is drawn, the pixels differ
        marked, clean = pixels(draft.read(name)), pixels(final.read(name))
        assert marked.size == clean.size
        assert differing_fraction(marked, clean) > 0.01, name
    # the approved fan-out equals the approved single export with the overlay, channel by channel
    single = await gallery.call(
        "GET",
        f"{G}/{record['id']}/export",
        owner,
        params={"preset": "kakao_feed", "overlay": True, "delivery": "attachment"},
    )
    kakao = next(n for n, p in expected.items() if p == "kakao_feed")
    assert pixels(single.content).tobytes() == pixels(final.read(kakao)).tobytes()


async def test_every_export_carries_provenance(gallery: Any, seed: Any) -> None:
    owner = await gallery.user()
    record = await image_with_objects(seed, owner)
    files: dict[str, tuple[bytes, str]] = {}
    for fmt, mime in (("png", "image/png"), ("jpeg", "image/jpeg"), ("webp", "image/webp")):
        resp = await gallery.call(
            "GET",
            f"{G}/{record['id']}/export",
            owner,
            params={"preset": "naver_blog", "format": fmt, "delivery": "attachment"},
        )
        assert resp.status_code == 200
        files[fmt] = (resp.content, mime)
    zipped = await gallery.call("POST", f"{G}/zip", owner, json={"ids": [record["id"]]})
    archive = zipfile.ZipFile(io.BytesIO(zipped.content))
    files["zip"] = (archive.read(archive.namelist()[0]), "image/png")

    prompt_sha = hashlib.sha256(record["prompt"].encode()).hexdigest()
    png = pixels(files["png"][0])
    assert png.text["AI-Generated"].startswith("AI-generated")
    assert png.text["DigitalSourceType"] == IPTC_AI
    assert png.text["Model"] == record["model"] and png.text["Engine"] == record["engine"]
    assert png.text["Seed"] == str(record["seed"]) and png.text["Prompt-SHA256"] == prompt_sha
    assert png.text["Export-Preset"] == "naver_blog" and png.text["Platform-Version"].startswith("zimage-platform ")
    assert record["prompt"] not in json.dumps(png.text, ensure_ascii=False)  # the hash, never the words

    manifests = gallery.settings.data_dir / "keys" / "c2pa" / "ca.pem"
    for kind, (data, mime) in files.items():
        image = pixels(data)
        xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
        assert xmp, kind
        root = ElementTree.fromstring(xmp.encode() if isinstance(xmp, str) else xmp)  # well-formed XML
        description = root.find(".//{http://www.w3.org/1999/02/22-rdf-syntax-ns#}Description")
        assert description is not None
        assert description.get("{http://iptc.org/std/Iptc4xmpExt/2008-02-29/}DigitalSourceType") == IPTC_AI, kind
        assert description.get("{urn:zimage-platform:ns:provenance:1.0#}PromptSHA256") == prompt_sha
        assert image.getxmp()["xmpmeta"]["RDF"]["Description"]["DigitalSourceType"] == IPTC_AI
        # C2PA: a manifest signed by this installation's chain, valid and trusted against its CA
        store = read_manifest(data, mime, manifests.read_bytes())
        assert store["validation_state"] == "Trusted", (kind, store.get("validation_status"))
        active = store["manifests"][store["active_manifest"]]
        actions = next(a for a in active["assertions"] if a["label"].startswith("c2pa.actions"))["data"]["actions"]
        assert actions[0]["action"] == "c2pa.created" and actions[0]["digitalSourceType"] == IPTC_AI
        ours = next(a for a in active["assertions"] if a["label"] == "org.zimage.provenance")["data"]
        assert ours["prompt_sha256"] == prompt_sha and ours["image_id"] == record["id"]
        assert active["signature_info"]["alg"].upper() == "ES256"

    # a file changed after signing no longer validates
    tampered = bytearray(files["png"][0])
    tampered[len(tampered) // 2] ^= 0xFF
    try:
        state = read_manifest(bytes(tampered), "image/png", manifests.read_bytes()).get("validation_state")
    except Exception as exc:  # the SDK may refuse the file outright: also not a valid manifest
        state = f"refused: {exc}"
    assert state != "Trusted"


async def test_fan_out_refusals(gallery: Any, seed: Any) -> None:
    owner = await gallery.user()
    missing = await seed.image(owner, with_objects=False)
    campaign = await gallery.ok("POST", C, owner, json={"name": "c", "channels": ["kakao_feed"]}, status=201)
    await gallery.call("PUT", f"{C}/{campaign['id']}/images/{missing['id']}", owner)
    resp = await gallery.call("GET", f"{C}/{campaign['id']}/export", owner, params={"image_id": missing["id"]})
    assert resp.status_code == 404 and resp.json()["error"] == "OriginalMissing"
    for params in ({}, {"image_id": "x"}):
        assert (await gallery.call("GET", f"{C}/{campaign['id']}/export", owner, params=params)).status_code == 422
    resp: httpx.Response = await gallery.call(
        "GET", f"{C}/{campaign['id']}/export", owner, params={"image_id": "00000000-0000-0000-0000-000000000000"}
    )
    assert resp.status_code == 404 and resp.json()["error"] == "ImageNotFound"
