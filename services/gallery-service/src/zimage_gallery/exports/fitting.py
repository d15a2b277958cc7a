"""The one way the gallery fits an image to a channel's exact pixels (exports and headline overlays share it)."""

from __future__ import annotations

from PIL import Image, ImageOps


def cover(image: Image.Image, width: int, height: int) -> Image.Image:
    """Centre-crop to the target aspect, then Lanczos-resize to exactly width×height (no letterbox, no stretch)."""
    if image.size == (width, height):
        return image
    return ImageOps.fit(image, (width, height), method=Image.Resampling.LANCZOS, centering=(0.5, 0.5))
