"""Overlay layout and render: sizing, shrinking then ellipsis inside the safe area, WCAG contrast with a scrim
fallback, determinism, and layout() giving exactly the numbers render() draws."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw
from zimage_gallery.overlays import (
    Align,
    BrandColours,
    OverlayColours,
    OverlayDoesNotFit,
    OverlayLayout,
    OverlaySpec,
    Placement,
    ScrimMode,
    contrast,
    layout,
    render,
    safe_margins_for,
)
from zimage_gallery.overlays.layout import SUB_RATIO, headline_sizes
from zimage_gallery.overlays.wrapping import ELLIPSIS

SIZES = [(1080, 1080), (1080, 1920), (1200, 628)]
LONG_HEADLINE = "여름 한정 시즌 오프 최대 50% 할인 " * 6
LONG_SUB = "7월 31일까지 전 상품 무료 배송, 신규 회원은 추가 10% 쿠폰까지 받을 수 있어요. " * 5


def solid(colour: tuple[int, int, int], size: tuple[int, int] = (1024, 1024)) -> Image.Image:
    return Image.new("RGB", size, colour)


def busy(size: tuple[int, int] = (1024, 1024)) -> Image.Image:
    """Light and dark stripes: no single background colour."""
    image = solid((240, 240, 240), size)
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 64):
        draw.rectangle((x, 0, x + 31, size[1]), fill=(20, 20, 20))
    return image


def spec(**changes: object) -> OverlaySpec:
    values: dict[str, object] = {
        "headline": "여름 한정 최대 50% 할인",
        "sub_copy": "7월 31일까지 무료 배송",
        "cta": "지금 구매하기",
    }
    return OverlaySpec.model_validate(values | changes)


def assert_inside(result: OverlayLayout) -> None:
    column = result.content_box
    assert result.safe_area.contains(column)
    for box in [
        result.headline.box,
        result.sub_copy and result.sub_copy.box,
        result.cta and result.cta.box,
        result.logo,
    ]:
        assert box is None or column.contains(box), (box, column)
    for text in result.text_elements:
        for line in text.lines:
            assert column.x <= line.x and line.x + line.width <= column.right, line


def test_contrast_ratios_follow_wcag() -> None:
    assert contrast.colour_contrast((255, 255, 255), (0, 0, 0)) == pytest.approx(21.0)
    assert contrast.colour_contrast((255, 255, 255), (255, 255, 255)) == pytest.approx(1.0)
    assert contrast.colour_contrast((118, 118, 118), (255, 255, 255)) == pytest.approx(4.54, abs=0.01)
    assert contrast.required_ratio(24, bold=False) == 3.0 and contrast.required_ratio(23, bold=False) == 4.5
    assert contrast.required_ratio(19, bold=True) == 3.0 and contrast.required_ratio(18, bold=True) == 4.5
    # half the region is white: white text is judged against the bright part, not the average grey
    image = busy((256, 64))
    assert contrast.text_contrast((255, 255, 255), image, (0, 0, 256, 64)) < 1.2
    assert contrast.text_contrast((0, 0, 0), image, (0, 0, 256, 64)) < 1.4


@pytest.mark.parametrize("placement", list(Placement), ids=lambda p: p.value)
def test_white_text_on_a_white_image_gets_a_scrim(placement: Placement) -> None:
    result = render(spec(placement=placement), solid((255, 255, 255)), 1080, 1080)
    assert result.scrim_added and result.layout.scrim is not None
    assert result.layout.min_contrast_ratio is not None and result.layout.min_contrast_ratio >= 4.5
    assert result.layout.passes_aa
    assert result.layout.scrim.colour == "#000000"
    # the reported ratio is what the pixels behind the headline really give
    box = result.layout.headline.box
    region = result.image.crop((box.x, box.y, box.right, box.bottom))
    assert region.getextrema()[0][0] < 120  # darkened behind the text


def test_a_scrim_colour_equal_to_the_text_falls_back_to_black_or_white() -> None:
    colours = OverlayColours(text="#FFFFFF", scrim="#FFFFFF")
    result = layout(spec(colours=colours), 1080, 1080, base=solid((250, 250, 250)))
    assert result.scrim is not None and result.scrim.colour == "#000000"
    assert result.min_contrast_ratio is not None and result.min_contrast_ratio >= 4.5


def test_a_busy_image_gets_a_scrim_and_a_dark_one_does_not() -> None:
    busy_result = layout(spec(), 1080, 1080, base=busy())
    assert busy_result.scrim is not None and busy_result.passes_aa
    dark = layout(spec(), 1080, 1080, base=solid((16, 24, 48)))
    assert dark.scrim is None and dark.passes_aa
    assert dark.min_contrast_ratio is not None and dark.min_contrast_ratio > 15


def test_scrim_never_reports_the_failure_instead() -> None:
    result = layout(spec(scrim=ScrimMode.never), 1080, 1080, base=solid((255, 255, 255)))
    assert result.scrim is None and result.passes_aa is False
    assert result.min_contrast_ratio == pytest.approx(1.0)


def test_dark_brand_text_on_a_light_image_needs_no_scrim() -> None:
    brand = BrandColours(primary="#E63946", secondary="#457B9D", background="#F1FAEE", text="#1D3557")
    colours = OverlayColours.from_brand(brand)
    assert colours.button == "#E63946" and colours.scrim == "#F1FAEE"
    assert colours.button_text == "#F1FAEE"  # reads better on the red than the navy does
    result = layout(spec(colours=colours), 1080, 1080, base=solid((245, 240, 230)))
    assert result.scrim is None and result.passes_aa


def test_an_unreadable_button_label_becomes_black_or_white() -> None:
    colours = OverlayColours(button="#FFD400", button_text="#FFFFFF")
    result = layout(spec(colours=colours), 1080, 1080)
    assert result.cta is not None and result.cta.label.colour == "#000000"
    assert result.cta.label.contrast_ratio is not None and result.cta.label.contrast_ratio >= 4.5


@pytest.mark.parametrize("placement", list(Placement), ids=lambda p: p.value)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_very_long_copy_shrinks_then_ellipsizes_inside_the_safe_area(
    placement: Placement, size: tuple[int, int]
) -> None:
    short_copy = layout(spec(placement=placement), *size, logo_size=(240, 96))
    long_copy = layout(
        spec(placement=placement, headline=LONG_HEADLINE[:120], sub_copy=LONG_SUB[:300]), *size, logo_size=(240, 96)
    )
    assert long_copy.headline.font_size < short_copy.headline.font_size
    assert long_copy.headline.font_size == headline_sizes(min(size))[0]
    assert long_copy.headline.truncated and long_copy.headline.lines[-1].text.endswith(ELLIPSIS)
    assert len(long_copy.headline.lines) <= 3
    assert long_copy.sub_copy is None or long_copy.sub_copy.lines[-1].text.endswith(ELLIPSIS)
    assert_inside(short_copy)
    assert_inside(long_copy)


def test_sizes_keep_the_hierarchy() -> None:
    result = layout(spec(), 1080, 1080)
    assert result.sub_copy is not None and result.cta is not None
    assert result.sub_copy.font_size == round(result.headline.font_size * SUB_RATIO)
    assert result.headline.font_size > result.cta.label.font_size
    assert result.headline.font_size <= 108  # at most 10 % of the short side
    assert result.headline.large and result.headline.required_ratio == 3.0


def test_alignment_places_lines_in_the_column() -> None:
    for align, edge in [(Align.start, "left"), (Align.centre, "middle"), (Align.end, "right")]:
        result = layout(spec(align=align, placement=Placement.top), 1080, 1080)
        column = result.content_box
        for text in [*result.text_elements, result.cta.label if result.cta else None]:
            assert text is not None
            for line in text.lines:
                if text.kind == "cta":
                    continue
                left, right = line.x - column.x, column.right - (line.x + line.width)
                assert {"left": left == 0, "right": right == 0, "middle": abs(left - right) <= 1}[edge], (align, line)
        assert result.cta is not None
        button = result.cta.box
        assert {
            "left": button.x == column.x,
            "right": button.right == column.right,
            "middle": abs((button.x - column.x) - (column.right - button.right)) <= 1,
        }[edge]


@pytest.mark.parametrize(("width", "height", "preset"), [(820, 312, "facebook_cover"), (720, 360, "kakao_feed")])
@pytest.mark.parametrize("placement", list(Placement), ids=lambda p: p.value)
def test_short_banners_keep_the_whole_stack_for_short_copy(
    width: int, height: int, preset: str, placement: Placement
) -> None:
    result = layout(spec(placement=placement), width, height, logo_size=(240, 96), margins=safe_margins_for(preset))
    assert not result.dropped and result.sub_copy is not None and result.cta is not None
    assert_inside(result)
    squeezed = layout(
        spec(placement=placement, headline=LONG_HEADLINE[:120], sub_copy=LONG_SUB[:300]),
        width,
        height,
        logo_size=(240, 96),
        margins=safe_margins_for(preset),
    )
    assert_inside(squeezed)


def test_story_margins_keep_text_out_of_the_app_ui() -> None:
    result = layout(spec(placement=Placement.top), 1080, 1920, margins=safe_margins_for("instagram_story"))
    assert result.safe_area.y == round(0.23 * 1080) and result.headline.box.y >= 248
    assert safe_margins_for("no_such_preset") == safe_margins_for(None)


def test_layout_equals_what_render_draws() -> None:
    base = busy((900, 1400))
    logo = Image.new("RGBA", (300, 100), (255, 90, 60, 255))
    for placement in Placement:
        s = spec(placement=placement)
        drawn = render(s, base, 1200, 628, logo=logo, margins=safe_margins_for("facebook_link"))
        planned = layout(s, 1200, 628, base=base, logo_size=logo.size, margins=safe_margins_for("facebook_link"))
        assert planned == drawn.layout
        assert planned.logo is not None and planned.scrim is not None
    without_base = layout(spec(), 1080, 1080)
    assert without_base.min_contrast_ratio is None and without_base.headline.contrast_ratio is None
    assert without_base.scrim is None
    assert layout(spec(scrim=ScrimMode.always), 1080, 1080).scrim is not None


def test_same_inputs_same_pixels_and_the_base_is_untouched() -> None:
    base = busy((1024, 1024))
    before = base.tobytes()
    a = render(spec(placement=Placement.centre), base, 1080, 1350)
    b = render(spec(placement=Placement.centre), base, 1080, 1350)
    assert a.image.size == (1080, 1350) and a.image.mode == "RGB"
    assert a.image.tobytes() == b.image.tobytes()
    assert base.tobytes() == before


def test_a_headline_that_cannot_fit_is_refused() -> None:
    with pytest.raises(OverlayDoesNotFit):
        layout(spec(), 200, 60)
