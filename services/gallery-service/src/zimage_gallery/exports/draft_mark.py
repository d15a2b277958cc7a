"""The diagonal DRAFT mark on every export of an image that is not approved (docs/marketing.md, "Review")."""

from __future__ import annotations

import math

from PIL import Image, ImageDraw, ImageFont

TEXT = "DRAFT"
SPAN = 0.75  # of the diagonal the word covers
FILL = (255, 255, 255, 110)
STROKE = (0, 0, 0, 110)


def draft_mark(image: Image.Image) -> Image.Image:
    """`image` with DRAFT written corner to corner, half transparent, white with a dark outline (legible on any
    picture, and obvious enough that no one ships it by mistake)."""
    width, height = image.size
    diagonal = math.hypot(width, height)
    probe = ImageFont.load_default(size=100)
    left, top, right, bottom = probe.getbbox(TEXT)
    size = max(8, int(100 * SPAN * diagonal / max(1, right - left)))
    font = ImageFont.load_default(size=size)
    stroke = max(1, size // 30)
    left, top, right, bottom = (round(v) for v in font.getbbox(TEXT, stroke_width=stroke))
    layer = Image.new("RGBA", (right - left + 2 * stroke, bottom - top + 2 * stroke), (0, 0, 0, 0))
    ImageDraw.Draw(layer).text(
        (stroke - left, stroke - top), TEXT, font=font, fill=FILL, stroke_width=stroke, stroke_fill=STROKE
    )
    rotated = layer.rotate(math.degrees(math.atan2(height, width)), resample=Image.Resampling.BICUBIC, expand=True)
    fit = min(1.0, 0.92 * width / rotated.width, 0.92 * height / rotated.height)  # wide banners: keep it inside
    if fit < 1.0:
        fitted = (max(1, int(rotated.width * fit)), max(1, int(rotated.height * fit)))
        rotated = rotated.resize(fitted, Image.Resampling.LANCZOS)
    marked = image.convert("RGBA")
    overlay = Image.new("RGBA", marked.size, (0, 0, 0, 0))
    overlay.paste(rotated, ((width - rotated.width) // 2, (height - rotated.height) // 2))
    out = Image.alpha_composite(marked, overlay)
    return out if "A" in image.getbands() else out.convert("RGB")
