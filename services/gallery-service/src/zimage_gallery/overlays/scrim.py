"""Scrims: a band, fade or card in the kit's background colour that makes text readable over a busy image."""

from __future__ import annotations

from PIL import Image, ImageDraw

from zimage_gallery.overlays.schemas import ScrimLayout, rgb

SUPERSAMPLE = 4  # rounded corners drawn 4× and box-reduced: antialiased and identical on every machine


def rounded_mask(width: int, height: int, radius: int) -> Image.Image:
    """An antialiased 'L' mask of a rounded rectangle filling width×height."""
    big = Image.new("L", (width * SUPERSAMPLE, height * SUPERSAMPLE), 0)
    ImageDraw.Draw(big).rounded_rectangle(
        (0, 0, width * SUPERSAMPLE - 1, height * SUPERSAMPLE - 1), radius=radius * SUPERSAMPLE, fill=255
    )
    return big.reduce(SUPERSAMPLE)


def scrim_mask(scrim: ScrimLayout, width: int, height: int) -> Image.Image:
    """Full-size 'L' mask: 255 × opacity inside the box, falling linearly to 0 over `fade` px beyond it."""
    mask = Image.new("L", (width, height), 0)
    box = scrim.box
    if scrim.shape == "card":
        mask.paste(rounded_mask(box.width, box.height, scrim.radius), (box.x, box.y))
    else:
        draw = ImageDraw.Draw(mask)
        draw.rectangle((box.x, box.y, box.right - 1, box.bottom - 1), fill=255)
        for i in range(scrim.fade):
            value = round(255 * (scrim.fade - i) / (scrim.fade + 1))
            if scrim.shape == "top_fade":
                draw.line((0, box.bottom + i, width - 1, box.bottom + i), fill=value)
            elif scrim.shape == "bottom_fade":
                draw.line((0, box.y - 1 - i, width - 1, box.y - 1 - i), fill=value)
            else:
                draw.line((box.right + i, 0, box.right + i, height - 1), fill=value)
    return mask.point([round(v * scrim.opacity) for v in range(256)])


def apply_scrim(image: Image.Image, scrim: ScrimLayout) -> Image.Image:
    """A new RGB image: `image` with the scrim composited over it."""
    colour = Image.new("RGB", image.size, rgb(scrim.colour))
    return Image.composite(colour, image, scrim_mask(scrim, *image.size))
