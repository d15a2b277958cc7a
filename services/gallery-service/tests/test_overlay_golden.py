"""Golden images of the headline overlay: every placement at three channel aspects, Korean copy, a logo.

The goldens live in tests/golden/overlay/. After an intended change to the look, regenerate them with
`OVERLAY_UPDATE_GOLDEN=1 uv run pytest services/gallery-service/tests/test_overlay_golden.py`, look at every
PNG, and commit them (and the .json of sizes and line breaks beside each) with the change. A render matches
when its mean absolute difference is < 1.0 (0–255 scale) and fewer than 0.5 % of pixels differ by more than
32 on any channel (another FreeType build may antialias glyph edges differently), and its sizes and line
breaks are exactly the golden's.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageStat
from zimage_gallery.overlays import OverlayLayout, OverlaySpec, Placement, render, safe_margins_for
from zimage_gallery.overlays.fonts import Weight, bundled_family

GOLDEN = Path(__file__).parent / "golden" / "overlay"
UPDATE = os.environ.get("OVERLAY_UPDATE_GOLDEN") == "1"
CHANNELS = [(1080, 1080, "instagram_square"), (1080, 1920, "instagram_story"), (1200, 628, "facebook_link")]
MAX_MEAN_DIFF = 1.0
MAX_SHARE_OFF = 0.005
OFF = 32

HEADLINE = "여름 한정 시즌 오프 최대 50% 할인"
SUB_COPY = "7월 31일까지, 전 상품 무료 배송과 함께 만나보세요"
CTA = "지금 구매하기"


def scene(size: int = 1024) -> Image.Image:
    """A sunset over the sea with a warm hill: bright and dark areas behind every placement."""
    image = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(image)
    horizon = int(size * 0.62)
    top, glow = (24, 40, 92), (250, 164, 96)
    for y in range(horizon):
        t = y / horizon
        draw.line((0, y, size, y), fill=tuple(round(a + (b - a) * t**1.6) for a, b in zip(top, glow, strict=True)))
    sea_top, sea_bottom = (40, 86, 128), (10, 30, 56)
    for y in range(horizon, size):
        t = (y - horizon) / (size - horizon)
        draw.line((0, y, size, y), fill=tuple(round(a + (b - a) * t) for a, b in zip(sea_top, sea_bottom, strict=True)))
    sun = int(size * 0.11)
    cx, cy = int(size * 0.64), int(size * 0.5)
    draw.ellipse((cx - sun, cy - sun, cx + sun, cy + sun), fill=(255, 236, 190))
    draw.rectangle((0, horizon, size, horizon + 3), fill=(255, 214, 160))
    draw.polygon(
        [
            (0, int(size * 0.58)),
            (int(size * 0.3), int(size * 0.47)),
            (int(size * 0.55), int(size * 0.66)),
            (0, int(size * 0.7)),
        ],
        fill=(60, 42, 70),
    )
    for i in range(6):  # glints on the water
        y = horizon + 20 + i * int(size * 0.045)
        half = int(size * (0.12 - i * 0.014))
        draw.rectangle((cx - half, y, cx + half, y + 4), fill=(255, 206, 150))
    return image


def logo() -> Image.Image:
    """A 240×96 RGBA brand mark: a coral disc and a word mark on transparency."""
    image = Image.new("RGBA", (240, 96), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 8, 84, 88), fill=(255, 94, 77, 255))
    draw.ellipse((26, 30, 62, 66), fill=(255, 255, 255, 255))
    draw.text((98, 66), "ZIMG", font=bundled_family().font(Weight.bold, 52), fill=(255, 255, 255, 255), anchor="ls")
    return image


def differences(a: Image.Image, b: Image.Image) -> tuple[float, float]:
    """Mean absolute difference over all channels, and the share of pixels off by more than OFF on any channel."""
    diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB"))
    mean = sum(ImageStat.Stat(diff).mean) / 3
    r, g, b_ = diff.split()
    worst = ImageChops.lighter(ImageChops.lighter(r, g), b_)
    off = sum(worst.histogram()[OFF + 1 :])
    return mean, off / (a.width * a.height)


def typesetting(layout: OverlayLayout) -> dict[str, object]:
    """What the pixel tolerance cannot see (one changed glyph is a few hundred pixels): sizes and line breaks."""
    return {
        t.kind: {"size": t.font_size, "lines": [line.text for line in t.lines]}
        for t in [*layout.text_elements, *([layout.cta.label] if layout.cta else [])]
    }


@pytest.fixture(scope="module")
def base() -> Image.Image:
    return scene()


@pytest.mark.parametrize("placement", list(Placement), ids=lambda p: p.value)
@pytest.mark.parametrize("channel", CHANNELS, ids=lambda c: f"{c[0]}x{c[1]}")
def test_golden(base: Image.Image, placement: Placement, channel: tuple[int, int, str]) -> None:
    width, height, preset = channel
    spec = OverlaySpec(headline=HEADLINE, sub_copy=SUB_COPY, cta=CTA, placement=placement)
    result = render(spec, base, width, height, logo=logo(), margins=safe_margins_for(preset))
    assert result.image.size == (width, height)
    layout = result.layout
    boxes = [layout.logo, layout.headline.box, layout.sub_copy and layout.sub_copy.box, layout.cta and layout.cta.box]
    for box in boxes:
        assert box is not None and layout.safe_area.contains(box) and layout.content_box.contains(box)
    assert layout.passes_aa, layout.model_dump_json(include={"headline", "sub_copy", "scrim"})
    assert not layout.dropped and not layout.headline.truncated

    path = GOLDEN / f"{placement.value}_{width}x{height}.png"
    words = GOLDEN / f"{placement.value}_{width}x{height}.json"
    typeset = typesetting(layout)
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        result.image.save(path, "PNG", optimize=True)
        words.write_text(json.dumps(typeset, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert path.exists(), f"missing golden {path.name}: run with OVERLAY_UPDATE_GOLDEN=1"
    assert typeset == json.loads(words.read_text(encoding="utf-8")), "sizes or line breaks changed"
    with Image.open(path) as golden:
        mean, share = differences(result.image, golden)
    assert mean < MAX_MEAN_DIFF and share < MAX_SHARE_OFF, f"{path.name}: mean diff {mean:.3f}, {share:.2%} off"


def test_the_comparison_catches_a_moved_line(base: Image.Image) -> None:
    """The tolerance is not so loose that a moved line or another placement passes."""
    spec = OverlaySpec(headline=HEADLINE, sub_copy=SUB_COPY, cta=CTA, placement=Placement.bottom_band)
    a = render(spec, base, 1080, 1080).image
    b = render(spec.model_copy(update={"headline": "여름 한정\n시즌 오프 최대 50% 할인"}), base, 1080, 1080).image
    c = render(spec.model_copy(update={"placement": Placement.top}), base, 1080, 1080).image
    assert differences(a, a) == (0.0, 0.0)
    for other in (b, c):
        mean, share = differences(a, other)
        assert mean >= MAX_MEAN_DIFF or share >= MAX_SHARE_OFF
