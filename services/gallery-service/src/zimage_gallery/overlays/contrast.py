"""WCAG 2.x contrast of text against the pixels actually behind it.

The ratio is (L1 + 0.05) / (L2 + 0.05) of relative luminances. Against a photo there is no single background
colour, so the region's luminance is taken at its 10th and 90th percentiles (of a box-filtered sample at most
96 px on its long side) and the text's ratio is the WORSE of the two: light text is judged against the bright
parts of the region, dark text against the dark parts, and a stray 10 % of highlights or shadows does not decide.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

AA_NORMAL = 4.5
AA_LARGE = 3.0
# WCAG "large": 18 pt, or 14 pt bold; 1 pt = 4/3 CSS px. Our px are the export's own pixels.
LARGE_TEXT_PX = 24.0
LARGE_BOLD_TEXT_PX = 18.66
SAMPLE_SIDE = 96
LOW_PERCENTILE = 0.10
HIGH_PERCENTILE = 0.90

_LINEAR = [c / 255 / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in range(256)]


def relative_luminance(colour: tuple[int, int, int]) -> float:
    r, g, b = colour
    return 0.2126 * _LINEAR[r] + 0.7152 * _LINEAR[g] + 0.0722 * _LINEAR[b]


def ratio(l1: float, l2: float) -> float:
    hi, lo = max(l1, l2), min(l1, l2)
    return (hi + 0.05) / (lo + 0.05)


def colour_contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    return ratio(relative_luminance(a), relative_luminance(b))


def is_large(font_size: int, bold: bool) -> bool:
    return font_size >= (LARGE_BOLD_TEXT_PX if bold else LARGE_TEXT_PX)


def required_ratio(font_size: int, bold: bool) -> float:
    return AA_LARGE if is_large(font_size, bold) else AA_NORMAL


@dataclass(frozen=True)
class RegionLuminance:
    low: float  # 10th percentile
    high: float  # 90th percentile


def region_luminance(image: Image.Image, box: tuple[int, int, int, int]) -> RegionLuminance:
    """Percentile luminances of `image` (RGB) inside box = (left, top, right, bottom)."""
    region = image.crop(box)
    w, h = region.size
    scale = min(1.0, SAMPLE_SIDE / max(w, h, 1))
    if scale < 1.0:
        region = region.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.BOX)
    data = region.convert("RGB").tobytes()
    values = sorted(
        0.2126 * _LINEAR[data[i]] + 0.7152 * _LINEAR[data[i + 1]] + 0.0722 * _LINEAR[data[i + 2]]
        for i in range(0, len(data), 3)
    )
    last = len(values) - 1
    return RegionLuminance(low=values[int(LOW_PERCENTILE * last)], high=values[int(HIGH_PERCENTILE * last)])


def text_contrast(text: tuple[int, int, int], image: Image.Image, box: tuple[int, int, int, int]) -> float:
    """The worse of the text's ratios against the region's 10th- and 90th-percentile luminance."""
    lum = relative_luminance(text)
    region = region_luminance(image, box)
    return min(ratio(lum, region.low), ratio(lum, region.high))


def best_of_black_and_white(colour: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black or white, whichever reads better on (or under) `colour`: always at least 4.58:1."""
    black, white = (0, 0, 0), (255, 255, 255)
    return black if colour_contrast(black, colour) >= colour_contrast(white, colour) else white
