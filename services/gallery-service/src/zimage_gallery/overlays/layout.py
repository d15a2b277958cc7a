"""Where every element of a headline overlay goes at one channel's exact pixels, without drawing anything.

Sizing: the headline's pixel size is binary-searched between a minimum legible size and 10 % of the short side;
the sub-copy is 0.46× and the button label 0.40× of it (fixed ratios, so the hierarchy holds at any size). The
largest size at which everything wraps into its line limits and the stack fits the placement's box wins. When
even the minimum does not fit, lines are dropped from the end (sub-copy down to one line, the headline down to
one line, then the sub-copy's last) and each shortened text ends with "…"; then the logo, then the button go.
Nothing ever leaves the box.

Contrast (when the base image is given): see `contrast`. When a text element fails its WCAG AA ratio, a scrim
in the kit's background colour (or black/white, whichever reads better, if that colour is too close to the
text) is added at the lowest opacity that brings every text element to 4.5:1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from PIL import Image, ImageFont
from zimage_common.errors import Unprocessable

from zimage_gallery.exports.fitting import cover
from zimage_gallery.overlays import contrast
from zimage_gallery.overlays.fonts import FontFamily, Weight, bundled_family
from zimage_gallery.overlays.schemas import (
    DEFAULT_MARGINS,
    Align,
    Box,
    ButtonLayout,
    Line,
    OverlayLayout,
    OverlaySpec,
    Placement,
    SafeMargins,
    ScrimLayout,
    ScrimMode,
    TextLayout,
    rgb,
)
from zimage_gallery.overlays.scrim import apply_scrim
from zimage_gallery.overlays.wrapping import balance, ellipsize, wrap

HEADLINE_MAX = 0.10  # of the short side
SUB_RATIO = 0.46
CTA_RATIO = 0.40
MIN_SUB_PX = 14
MIN_SUB_FRACTION = 0.018  # of the short side: 19 px at 1080
MIN_CTA_PX = 14
HEADLINE_LEADING = 1.28
SUB_LEADING = 1.5
MAX_HEADLINE_LINES = 3
MAX_SUB_LINES = 3
LOGO_GAP, SUB_GAP, CTA_GAP = 0.55, 0.35, 0.75  # × headline size
LOGO_HEIGHT = 0.075  # of the short side
LOGO_MAX_WIDTH = 0.4  # of the text column
BUTTON_HEIGHT, BUTTON_PAD = 2.3, 1.3  # × label size
COLUMN_MAX = 1.1  # of the short side: long lines across a wide banner are hard to read
SCRIM_PAD = 0.04  # of the short side
SCRIM_OPACITIES_AUTO = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
SCRIM_OPACITIES_ALWAYS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
SCRIM_TARGET = contrast.AA_NORMAL


class OverlayDoesNotFit(Unprocessable):
    code = "OverlayDoesNotFit"


@dataclass
class _Stack:
    """The chosen sizes and lines before they are given positions."""

    size: int
    headline: list[str]
    sub: list[str]
    cta: str | None
    logo: tuple[int, int] | None
    headline_truncated: bool = False
    sub_truncated: bool = False
    dropped: list[Literal["sub_copy", "logo", "cta"]] = field(default_factory=list)


def safe_area(width: int, height: int, margins: SafeMargins) -> Box:
    short = min(width, height)
    left, top = round(margins.left * short), round(margins.top * short)
    right, bottom = width - round(margins.right * short), height - round(margins.bottom * short)
    return Box(x=left, y=top, width=right - left, height=bottom - top)


def content_box(placement: Placement, width: int, height: int, safe: Box) -> Box:
    aspect = width / height
    if placement in (Placement.top, Placement.bottom_band):
        # a band across a wide, short banner needs more of its height to hold the same stack
        h = round(safe.height * (0.5 if aspect < 1.5 else 0.62 if aspect < 2.2 else 0.75))
        return Box(x=safe.x, y=safe.y if placement == Placement.top else safe.bottom - h, width=safe.width, height=h)
    if placement == Placement.left_panel:
        share = 0.5 if aspect >= 1.3 else 0.6 if aspect >= 0.9 else 0.72
        return Box(x=safe.x, y=safe.y, width=round(safe.width * share), height=safe.height)
    inset_x, inset_y = round(safe.width * 0.06), round(safe.height * 0.12)
    return Box(x=safe.x + inset_x, y=safe.y + inset_y, width=safe.width - 2 * inset_x, height=safe.height - 2 * inset_y)


def default_align(placement: Placement) -> Align:
    return Align.centre if placement == Placement.centre else Align.start


class _Typesetter:
    """Sizes, wraps and stacks the copy for one column width and box height."""

    def __init__(
        self,
        spec: OverlaySpec,
        family: FontFamily,
        column: int,
        box_height: int,
        short: int,
        logo_size: tuple[int, int] | None,
    ) -> None:
        self.spec, self.family, self.column, self.box_height = spec, family, column, box_height
        self.min_size, self.max_size = headline_sizes(short)
        self.logo = _logo_size(logo_size, round(LOGO_HEIGHT * short), round(column * LOGO_MAX_WIDTH))

    def fonts(self, size: int) -> tuple[ImageFont.FreeTypeFont, ImageFont.FreeTypeFont, ImageFont.FreeTypeFont]:
        return (
            self.family.font(Weight.bold, size),
            self.family.font(Weight.regular, sub_size(size)),
            self.family.font(Weight.bold, cta_size(size)),
        )

    def height(self, stack: _Stack) -> int:
        size = stack.size
        parts: list[tuple[int, int]] = []  # (gap before, height)
        if stack.logo:
            parts.append((0, stack.logo[1]))
        parts.append((round(LOGO_GAP * size), len(stack.headline) * round(HEADLINE_LEADING * size)))
        if stack.sub:
            parts.append((round(SUB_GAP * size), len(stack.sub) * round(SUB_LEADING * sub_size(size))))
        if stack.cta is not None:
            parts.append((round(CTA_GAP * size), round(BUTTON_HEIGHT * cta_size(size))))
        return sum(h for _, h in parts) + sum(g for g, _ in parts[1:])

    def button_width(self, label: str, size: int) -> int:
        return round(self.fonts(size)[2].getlength(label)) + 2 * round(BUTTON_PAD * cta_size(size))

    def wrapped(self, size: int) -> _Stack:
        headline_font, sub_font, _ = self.fonts(size)
        return _Stack(
            size=size,
            headline=wrap(self.spec.headline, headline_font.getlength, self.column),
            sub=wrap(self.spec.sub_copy, sub_font.getlength, self.column) if self.spec.sub_copy else [],
            cta=self.spec.cta or None,
            logo=self.logo,
        )

    def fits(self, stack: _Stack) -> bool:
        return (
            len(stack.headline) <= MAX_HEADLINE_LINES
            and len(stack.sub) <= MAX_SUB_LINES
            and (stack.cta is None or self.button_width(stack.cta, stack.size) <= self.column)
            and self.height(stack) <= self.box_height
        )

    def typeset(self) -> _Stack:
        lo, hi = self.min_size, self.max_size
        best: _Stack | None = None
        while lo <= hi:  # the largest size that fits
            mid = (lo + hi) // 2
            stack = self.wrapped(mid)
            if self.fits(stack):
                best, lo = stack, mid + 1
            else:
                hi = mid - 1
        if best is None:
            return self.shorten(self.wrapped(self.min_size))
        headline_font, sub_font, _ = self.fonts(best.size)
        best.headline = balance(self.spec.headline, headline_font.getlength, self.column)
        if best.sub:
            best.sub = balance(self.spec.sub_copy, sub_font.getlength, self.column)
        return best

    def shorten(self, stack: _Stack) -> _Stack:
        """At the minimum size: drop lines and end the last kept one with "…" until the stack fits."""
        headline_font, sub_font, cta_font = self.fonts(stack.size)
        if len(stack.headline) > MAX_HEADLINE_LINES:
            stack.headline, stack.headline_truncated = stack.headline[:MAX_HEADLINE_LINES], True
        if len(stack.sub) > MAX_SUB_LINES:
            stack.sub, stack.sub_truncated = stack.sub[:MAX_SUB_LINES], True
        while self.height(stack) > self.box_height:
            if len(stack.sub) > 1:
                stack.sub.pop()
                stack.sub_truncated = True
            elif len(stack.headline) > 1:
                stack.headline.pop()
                stack.headline_truncated = True
            elif stack.sub:
                stack.sub.pop()
                stack.dropped.append("sub_copy")
            elif stack.logo is not None:
                stack.logo = None
                stack.dropped.append("logo")
            elif stack.cta is not None:
                stack.cta = None
                stack.dropped.append("cta")
            else:
                raise OverlayDoesNotFit("the headline does not fit this channel's safe area even on one line")
        if stack.headline_truncated:
            stack.headline[-1] = ellipsize(stack.headline[-1], headline_font.getlength, self.column, force=True)
        if stack.sub and stack.sub_truncated:
            stack.sub[-1] = ellipsize(stack.sub[-1], sub_font.getlength, self.column, force=True)
        if stack.cta is not None:
            room = self.column - 2 * round(BUTTON_PAD * cta_size(stack.size))
            stack.cta = ellipsize(stack.cta, cta_font.getlength, room) or None
            if stack.cta is None:
                stack.dropped.append("cta")
        return stack


def headline_sizes(short: int) -> tuple[int, int]:
    """The headline's smallest (its sub-copy still legible) and largest pixel size for an image's short side."""
    smallest = math.ceil(max(MIN_SUB_PX, math.ceil(MIN_SUB_FRACTION * short)) / SUB_RATIO)
    return smallest, max(smallest, math.floor(HEADLINE_MAX * short))


def sub_size(size: int) -> int:
    return round(size * SUB_RATIO)


def cta_size(size: int) -> int:
    return max(MIN_CTA_PX, round(size * CTA_RATIO))


def _logo_size(logo: tuple[int, int] | None, max_height: int, max_width: int) -> tuple[int, int] | None:
    if logo is None or logo[0] <= 0 or logo[1] <= 0:
        return None
    scale = min(max_height / logo[1], max_width / logo[0])
    return max(1, round(logo[0] * scale)), max(1, round(logo[1] * scale))


def _offset(align: Align, room: int) -> int:
    return 0 if align == Align.start else room if align == Align.end else room // 2


def _text(
    kind: Literal["headline", "sub_copy", "cta"],
    lines: list[str],
    font: ImageFont.FreeTypeFont,
    size: int,
    leading: float,
    bold: bool,
    colour: str,
    column: Box,
    top: int,
    align: Align,
    truncated: bool,
) -> TextLayout:
    line_height = round(leading * size)
    ascent, descent = font.getmetrics()
    placed: list[Line] = []
    for i, text in enumerate(lines):
        width = math.ceil(font.getlength(text))
        x = column.x + _offset(align, column.width - width)
        baseline = top + i * line_height + round((line_height - ascent - descent) / 2) + ascent
        placed.append(Line(text=text, x=x, baseline=baseline, width=width))
    left = min(line.x for line in placed)
    right = max(line.x + line.width for line in placed)
    return TextLayout(
        kind=kind,
        box=Box(x=left, y=top, width=right - left, height=line_height * len(lines)),
        font_size=size,
        bold=bold,
        line_height=line_height,
        colour=colour,
        lines=placed,
        truncated=truncated,
        large=contrast.is_large(size, bold),
        required_ratio=contrast.required_ratio(size, bold),
    )


def _union(boxes: list[Box]) -> Box:
    x, y = min(b.x for b in boxes), min(b.y for b in boxes)
    right, bottom = max(b.right for b in boxes), max(b.bottom for b in boxes)
    return Box(x=x, y=y, width=right - x, height=bottom - y)


def _scrim_geometry(placement: Placement, block: Box, width: int, height: int, short: int) -> ScrimLayout:
    pad = round(SCRIM_PAD * short)
    fade = 3 * pad
    if placement == Placement.top:
        return ScrimLayout(
            shape="top_fade",
            box=Box(x=0, y=0, width=width, height=min(height, block.bottom + pad)),
            fade=fade,
            radius=0,
            colour="#000000",
            opacity=0,
        )
    if placement == Placement.bottom_band:
        top = max(0, block.y - pad)
        return ScrimLayout(
            shape="bottom_fade",
            box=Box(x=0, y=top, width=width, height=height - top),
            fade=fade,
            radius=0,
            colour="#000000",
            opacity=0,
        )
    if placement == Placement.left_panel:
        return ScrimLayout(
            shape="left_fade",
            box=Box(x=0, y=0, width=min(width, block.right + pad), height=height),
            fade=2 * fade,
            radius=0,
            colour="#000000",
            opacity=0,
        )
    x, y = max(0, block.x - pad), max(0, block.y - pad)
    card = Box(x=x, y=y, width=min(width, block.right + pad) - x, height=min(height, block.bottom + pad) - y)
    return ScrimLayout(shape="card", box=card, fade=0, radius=round(pad * 0.8), colour="#000000", opacity=0)


def _measure(layout: OverlayLayout, image: Image.Image) -> OverlayLayout:
    ratios = []
    for text in layout.text_elements:
        b = text.box
        text.contrast_ratio = round(contrast.text_contrast(rgb(text.colour), image, (b.x, b.y, b.right, b.bottom)), 2)
        ratios.append(text.contrast_ratio)
    layout.min_contrast_ratio = min(ratios)
    layout.passes_aa = all((t.contrast_ratio or 0) >= t.required_ratio for t in layout.text_elements)
    return layout


def _scrim_for(layout: OverlayLayout, spec: OverlaySpec, short: int, opacity: float) -> ScrimLayout:
    """The placement's scrim around every element, in the kit's scrim colour unless that is too close to the text."""
    text_colour = rgb(spec.colours.text)
    colour = spec.colours.scrim
    if contrast.colour_contrast(text_colour, rgb(colour)) < SCRIM_TARGET:
        colour = _hex(contrast.best_of_black_and_white(text_colour))
    block = _union(
        [
            b
            for b in (layout.logo, *(t.box for t in layout.text_elements), layout.cta.box if layout.cta else None)
            if b is not None
        ]
    )
    scrim = _scrim_geometry(layout.placement, block, layout.width, layout.height, short)
    scrim.colour, scrim.opacity = colour, opacity
    return scrim


def _hex(colour: tuple[int, int, int]) -> str:
    return "#{:02X}{:02X}{:02X}".format(*colour)


def _with_scrim(layout: OverlayLayout, spec: OverlaySpec, base: Image.Image, short: int) -> Image.Image:
    """Measure contrast against `base`; add a scrim where the spec and the ratios call for one.
    Returns the backdrop the text is drawn on (the base, or the base with the scrim)."""
    _measure(layout, base)
    if spec.scrim == ScrimMode.never or (spec.scrim == ScrimMode.auto and layout.passes_aa):
        return base
    scrim = _scrim_for(layout, spec, short, 0.0)
    opacities = SCRIM_OPACITIES_AUTO if spec.scrim == ScrimMode.auto else SCRIM_OPACITIES_ALWAYS
    backdrop = base
    for opacity in opacities:
        scrim.opacity = opacity
        backdrop = apply_scrim(base, scrim)
        _measure(layout, backdrop)
        if all((t.contrast_ratio or 0) >= max(SCRIM_TARGET, t.required_ratio) for t in layout.text_elements):
            break
    layout.scrim = scrim
    return backdrop


def family_for(spec: OverlaySpec, font: FontFamily | None) -> FontFamily:
    family = font or bundled_family()
    copy = spec.headline + spec.sub_copy + spec.cta
    if not family.has_hangul and any("\uac00" <= ch <= "\ud7a3" or "\u1100" <= ch <= "\u11ff" for ch in copy):
        return bundled_family()  # a Latin-only brand font would draw Korean as empty boxes
    return family


def compose(
    spec: OverlaySpec,
    width: int,
    height: int,
    *,
    base: Image.Image | None = None,
    logo_size: tuple[int, int] | None = None,
    font: FontFamily | None = None,
    margins: SafeMargins | None = None,
) -> tuple[OverlayLayout, Image.Image | None]:
    """The layout and the backdrop to draw it on (None without a base). `render` draws on the backdrop."""
    short = min(width, height)
    family = family_for(spec, font)
    align = spec.align or default_align(spec.placement)
    safe = safe_area(width, height, margins or DEFAULT_MARGINS)
    box = content_box(spec.placement, width, height, safe)
    column_width = min(box.width, round(COLUMN_MAX * short))
    column = Box(x=box.x + _offset(align, box.width - column_width), y=box.y, width=column_width, height=box.height)
    typesetter = _Typesetter(spec, family, column_width, box.height, short, logo_size)
    stack = typesetter.typeset()
    total = typesetter.height(stack)
    room = box.height - total
    y = box.y + {Placement.top: 0, Placement.bottom_band: room}.get(spec.placement, room // 2)
    size = stack.size
    headline_font, sub_font, cta_font = (
        family.font(Weight.bold, size),
        family.font(Weight.regular, sub_size(size)),
        family.font(Weight.bold, cta_size(size)),
    )

    logo_box = None
    if stack.logo is not None:
        logo_box = Box(
            x=column.x + _offset(align, column.width - stack.logo[0]), y=y, width=stack.logo[0], height=stack.logo[1]
        )
        y = logo_box.bottom + round(LOGO_GAP * size)
    headline = _text(
        "headline",
        stack.headline,
        headline_font,
        size,
        HEADLINE_LEADING,
        True,
        spec.colours.text,
        column,
        y,
        align,
        stack.headline_truncated,
    )
    y = headline.box.bottom
    sub = None
    if stack.sub:
        y += round(SUB_GAP * size)
        sub = _text(
            "sub_copy",
            stack.sub,
            sub_font,
            sub_size(size),
            SUB_LEADING,
            False,
            spec.colours.text,
            column,
            y,
            align,
            stack.sub_truncated,
        )
        y = sub.box.bottom
    button = None
    if stack.cta is not None:
        y += round(CTA_GAP * size)
        label_size = cta_size(size)
        button_height = round(BUTTON_HEIGHT * label_size)
        button_width = round(cta_font.getlength(stack.cta)) + 2 * round(BUTTON_PAD * label_size)
        bx = column.x + _offset(align, column.width - button_width)
        label_colour = spec.colours.button_text
        if contrast.colour_contrast(rgb(label_colour), rgb(spec.colours.button)) < contrast.AA_NORMAL:
            label_colour = _hex(contrast.best_of_black_and_white(rgb(spec.colours.button)))
        label_top = y + (button_height - round(HEADLINE_LEADING * label_size)) // 2
        label = _text(
            "cta",
            [stack.cta],
            cta_font,
            label_size,
            HEADLINE_LEADING,
            True,
            label_colour,
            Box(x=bx, y=y, width=button_width, height=button_height),
            label_top,
            Align.centre,
            stack.cta != spec.cta,
        )
        label.contrast_ratio = round(contrast.colour_contrast(rgb(label_colour), rgb(spec.colours.button)), 2)
        button = ButtonLayout(
            box=Box(x=bx, y=y, width=button_width, height=button_height),
            radius=button_height // 2,
            background=spec.colours.button,
            label=label,
        )

    layout = OverlayLayout(
        width=width,
        height=height,
        placement=spec.placement,
        align=align,
        font_family=family.name,
        safe_area=safe,
        content_box=box,
        logo=logo_box,
        headline=headline,
        sub_copy=sub,
        cta=button,
        scrim=None,
        dropped=stack.dropped,
    )
    if base is None:
        if spec.scrim == ScrimMode.always:
            layout.scrim = _scrim_for(layout, spec, short, SCRIM_OPACITIES_ALWAYS[0])
        return layout, None
    return layout, _with_scrim(layout, spec, cover(base.convert("RGB"), width, height), short)


def layout(
    spec: OverlaySpec,
    width: int,
    height: int,
    *,
    base: Image.Image | None = None,
    logo_size: tuple[int, int] | None = None,
    font: FontFamily | None = None,
    margins: SafeMargins | None = None,
) -> OverlayLayout:
    """The overlay's layout at width×height, drawing no pixels of its own.

    With `base` (any size; it is cover-fitted first, as exports do) the contrast ratios are measured and a scrim
    is added where needed, exactly as `render` will; without it, ratios are None and no automatic scrim is
    decided (the web editor's preview asks again with the image). `logo_size` is the logo's (width, height).
    """
    return compose(spec, width, height, base=base, logo_size=logo_size, font=font, margins=margins)[0]
