"""Headline overlays: headline, sub-copy, button and logo laid over a generated image at a channel's exact pixels.

`layout()` computes every box without drawing (the web editor's preview draws the same numbers); `render()`
draws it. `load_font()` and `load_logo()` validate brand-kit uploads.
"""

from zimage_gallery.overlays.fonts import FontFamily, FontFile, InvalidFont, bundled_family, load_font
from zimage_gallery.overlays.layout import OverlayDoesNotFit, layout
from zimage_gallery.overlays.logos import InvalidLogo, load_logo
from zimage_gallery.overlays.render import RenderResult, render
from zimage_gallery.overlays.schemas import (
    Align,
    BrandColours,
    OverlayColours,
    OverlayLayout,
    OverlaySpec,
    Placement,
    SafeMargins,
    ScrimMode,
    safe_margins_for,
)

__all__ = [
    "Align",
    "BrandColours",
    "FontFamily",
    "FontFile",
    "InvalidFont",
    "InvalidLogo",
    "OverlayColours",
    "OverlayDoesNotFit",
    "OverlayLayout",
    "OverlaySpec",
    "Placement",
    "RenderResult",
    "SafeMargins",
    "ScrimMode",
    "bundled_family",
    "layout",
    "load_font",
    "load_logo",
    "render",
    "safe_margins_for",
]
