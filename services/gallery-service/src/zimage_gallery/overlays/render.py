"""Draw a headline overlay at a channel's exact pixels: the exported file is final.

Same inputs give identical pixels: fonts come from files (the bundled Pretendard or a brand kit's upload, never
the system's), text goes through Pillow's BASIC layout engine (see `fonts`), and rounded shapes are drawn
supersampled and box-reduced rather than with anything that depends on the machine.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw

from zimage_gallery.overlays.fonts import FontFamily, Weight
from zimage_gallery.overlays.layout import compose, family_for
from zimage_gallery.overlays.schemas import OverlayLayout, OverlaySpec, SafeMargins, TextLayout, rgb
from zimage_gallery.overlays.scrim import rounded_mask


@dataclass(frozen=True)
class RenderResult:
    image: Image.Image  # RGB, exactly width×height
    layout: OverlayLayout

    @property
    def scrim_added(self) -> bool:
        return self.layout.scrim is not None


def render(
    spec: OverlaySpec,
    base: Image.Image,
    width: int,
    height: int,
    *,
    logo: Image.Image | None = None,
    font: FontFamily | None = None,
    margins: SafeMargins | None = None,
) -> RenderResult:
    """`base` cover-fitted to width×height (as exports fit it) with the overlay drawn on it; `base` is untouched.

    `logo` is drawn as given (see `logos.load_logo`), `font` defaults to the bundled Pretendard, `margins` to the
    default safe margins (`safe_margins_for(preset_id)` gives a channel's own).
    """
    layout, backdrop = compose(
        spec, width, height, base=base, logo_size=logo.size if logo else None, font=font, margins=margins
    )
    assert backdrop is not None  # a fresh image: cover-fitting converts, and so copies, the base
    image = backdrop
    family = family_for(spec, font)
    if logo is not None and layout.logo is not None:
        box = layout.logo
        fitted = logo.convert("RGBA").resize((box.width, box.height), Image.Resampling.LANCZOS)
        image.paste(fitted.convert("RGB"), (box.x, box.y), fitted.getchannel("A"))
    for text in layout.text_elements:
        _draw_text(image, text, family)
    if layout.cta is not None:
        button = layout.cta.box
        mask = rounded_mask(button.width, button.height, layout.cta.radius)
        image.paste(rgb(layout.cta.background), (button.x, button.y, button.right, button.bottom), mask)
        _draw_text(image, layout.cta.label, family)
    return RenderResult(image=image, layout=layout)


def _draw_text(image: Image.Image, text: TextLayout, family: FontFamily) -> None:
    font = family.font(Weight.bold if text.bold else Weight.regular, text.font_size)
    draw = ImageDraw.Draw(image)
    for line in text.lines:
        draw.text((line.x, line.baseline), line.text, font=font, fill=rgb(text.colour), anchor="ls")
