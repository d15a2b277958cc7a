"""A brand kit's prompt guidance: avoid words removed as whole words (Korean included, any case), style words the
prompt does not already say appended, gaps tidied, the 2000-character limit kept; the internal route
image-service calls."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from zimage_gallery.brand_kits.service import apply_guidance

KITS = "/api/v1/brand-kits"
STYLE = ["clean minimal", "soft daylight", "브랜드 레드"]
AVOID = ["cartoon", "네온", "low quality"]


@pytest.mark.parametrize(
    ("prompt", "expected", "added", "removed"),
    [
        # nothing to do: the prompt comes back exactly as written
        ("clean minimal shot, soft daylight, 브랜드 레드", "clean minimal shot, soft daylight, 브랜드 레드", [], []),
        ("a red  sneaker", "a red sneaker, clean minimal, soft daylight, 브랜드 레드", STYLE, []),
        # any case, whole words only: "cartoonish" and "네온사인" stay
        (
            "Cartoon sneaker, cartoonish shadows, 네온사인",
            "sneaker, cartoonish shadows, 네온사인, clean minimal, soft daylight, 브랜드 레드",
            STYLE,
            ["cartoon"],
        ),
        # Korean split on whitespace and punctuation
        (
            "네온 간판, 서울 야경 (네온) 네온.",
            "간판, 서울 야경, clean minimal, soft daylight, 브랜드 레드",
            STYLE,
            ["네온"],
        ),
        # a phrase across any whitespace, and style words already present (any case) are not repeated
        (
            "LOW   quality photo, Soft Daylight",
            "photo, Soft Daylight, clean minimal, 브랜드 레드",
            ["clean minimal", "브랜드 레드"],
            ["low quality"],
        ),
        # the prompt was only avoid words
        ("cartoon, 네온", "clean minimal, soft daylight, 브랜드 레드", STYLE, ["cartoon", "네온"]),
    ],
)
def test_apply_guidance(prompt: str, expected: str, added: list[str], removed: list[str]) -> None:
    assert apply_guidance(prompt, STYLE, AVOID) == (expected, added, removed)


def test_a_kit_without_words_changes_nothing() -> None:
    assert apply_guidance("  a red\nsneaker ", [], []) == ("  a red\nsneaker ", [], [])


async def test_internal_apply_route(gallery: Any) -> None:
    admin = await gallery.admin()
    kit = await gallery.ok(
        "POST",
        KITS,
        admin,
        json={
            "name": f"Apply {uuid.uuid4().hex[:8]}",
            "style_words": STYLE,
            "avoid_words": AVOID,
        },
        status=201,
    )
    internal = {"X-Internal-Token": gallery.INTERNAL_TOKEN}
    route = f"/internal/v1/brand-kits/{kit['id']}/apply"

    result = await gallery.ok("POST", route, json={"prompt": "네온 cartoon sneaker"}, headers=internal)
    assert result == {
        "prompt": "sneaker, clean minimal, soft daylight, 브랜드 레드",
        "style_words_added": STYLE,
        "avoid_words_removed": ["cartoon", "네온"],
        "brand_kit_id": kit["id"],
        "brand_kit_name": kit["name"],
    }

    # the limit holds for the result: 1990 characters plus the style words is too long
    long = await gallery.call("POST", route, json={"prompt": "x" * 1990}, headers=internal)
    assert long.status_code == 422 and "limit is 2000" in long.json()["detail"]
    # ...but a prompt that already says them, at the limit, is fine
    full = ", ".join(STYLE)
    at_limit = "y" * (2000 - len(full) - 2) + ", " + full
    assert (await gallery.ok("POST", route, json={"prompt": at_limit}, headers=internal))["prompt"] == at_limit
    assert (await gallery.call("POST", route, json={"prompt": "z" * 2001}, headers=internal)).status_code == 422
    empty = await gallery.call("POST", route, json={"prompt": ""}, headers=internal)
    assert empty.status_code == 200 and empty.json()["prompt"] == full

    missing = await gallery.call(
        "POST", f"/internal/v1/brand-kits/{uuid.uuid4()}/apply", json={"prompt": "p"}, headers=internal
    )
    assert missing.status_code == 404 and missing.json()["error"] == "BrandKitNotFound"
    assert (await gallery.call("POST", route, json={"prompt": "p"})).status_code == 401
    assert (await gallery.call("POST", route, admin, json={"prompt": "p"})).status_code == 401
