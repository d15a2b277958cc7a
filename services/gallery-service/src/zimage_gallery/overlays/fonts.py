"""Fonts for overlays: the bundled Pretendard (SIL OFL 1.1, `fonts/OFL.txt`) and validated brand-kit uploads.

Text is laid out with Pillow's BASIC layout engine (FreeType, no HarfBuzz/Raqm): Raqm is an optional system
library whose presence and version differ between machines, and BASIC gives the same advances everywhere a
given Pillow wheel runs. Korean needs no shaping once it is NFC syllable blocks (see `wrapping`); what BASIC
gives up is GPOS kerning and the composition of old-Hangul jamo sequences, which are drawn as separate jamo.
"""

from __future__ import annotations

import dataclasses
import io
import struct
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont
from PIL import ImageFont
from zimage_common.errors import Unprocessable

FONT_DIR = Path(__file__).parent / "fonts"
BUNDLED_FAMILY = "Pretendard"
MAX_FONT_BYTES = 32 * 1024 * 1024
MAX_SFNT_BYTES = 64 * 1024 * 1024  # what a WOFF/WOFF2 may say it decompresses to
FONT_CACHE = 48
HANGUL_PROBES = (0xAC00, 0xB098, 0xD55C, 0xD7A3)  # 가 나 한 힣

SFNT_MAGIC = {b"\x00\x01\x00\x00": "ttf", b"true": "ttf", b"OTTO": "otf", b"wOFF": "woff", b"wOF2": "woff2"}


class InvalidFont(Unprocessable):
    code = "InvalidFont"


class Weight(StrEnum):
    regular = "regular"
    bold = "bold"


@dataclass(frozen=True, eq=False)
class FontFile:
    """One loadable font: plain TTF/OTF bytes (WOFF/WOFF2 already unpacked)."""

    data: bytes
    family: str
    style: str
    format: str  # ttf | otf | woff | woff2: what was uploaded
    has_hangul: bool
    path: Path | None = None  # bundled fonts: FreeType reads the file instead of holding a copy per size

    def at(self, size: int) -> ImageFont.FreeTypeFont:
        source = self.path if self.path is not None else io.BytesIO(self.data)
        return ImageFont.truetype(source, size, layout_engine=ImageFont.Layout.BASIC)


@dataclass(eq=False)
class FontFamily:
    """The faces an overlay uses: bold for the headline and the button, regular for the sub-copy."""

    name: str
    regular: FontFile
    bold: FontFile
    _sizes: OrderedDict[tuple[Weight, int], ImageFont.FreeTypeFont] = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)  # exports render in worker threads

    @classmethod
    def of(cls, font: FontFile) -> FontFamily:
        """A brand kit that uploaded one face uses it for everything."""
        return cls(font.family, font, font)

    @property
    def has_hangul(self) -> bool:
        return self.regular.has_hangul and self.bold.has_hangul

    def font(self, weight: Weight, size: int) -> ImageFont.FreeTypeFont:
        """The face at a pixel size; the last FONT_CACHE sizes stay loaded (each holds its own FreeType face)."""
        key = (weight, size)
        with self._lock:
            font = self._sizes.get(key)
            if font is None:
                font = self._sizes[key] = (self.bold if weight == Weight.bold else self.regular).at(size)
                if len(self._sizes) > FONT_CACHE:
                    self._sizes.popitem(last=False)
            else:
                self._sizes.move_to_end(key)
            return font


@cache
def bundled_family() -> FontFamily:
    regular, bold = FONT_DIR / "Pretendard-Regular.otf", FONT_DIR / "Pretendard-Bold.otf"
    return FontFamily(
        BUNDLED_FAMILY,
        dataclasses.replace(load_font(regular.read_bytes()), path=regular),
        dataclasses.replace(load_font(bold.read_bytes()), path=bold),
    )


def load_font(data: bytes) -> FontFile:
    """Validate an uploaded TTF, OTF, WOFF or WOFF2 by actually loading it (fontTools, then FreeType).

    Raises InvalidFont with a readable reason for anything else: another format, a collection, a truncated or
    corrupt file, a font without a character map, or one FreeType cannot draw.
    """
    if len(data) > MAX_FONT_BYTES:
        raise InvalidFont(f"font file is larger than {MAX_FONT_BYTES // (1024 * 1024)} MiB")
    kind = SFNT_MAGIC.get(data[:4])
    if kind is None:
        if data[:4] == b"ttcf":
            raise InvalidFont("font collections (.ttc/.otc) are not supported; upload one TTF, OTF, WOFF or WOFF2")
        raise InvalidFont("not a font file: expected TTF, OTF, WOFF or WOFF2")
    if kind in ("woff", "woff2"):
        if len(data) < 20:
            raise InvalidFont(f"damaged {kind.upper()} file: the header is cut short")
        (sfnt_size,) = struct.unpack(">I", data[16:20])
        if sfnt_size > MAX_SFNT_BYTES:
            raise InvalidFont(f"{kind.upper()} file unpacks to more than {MAX_SFNT_BYTES // (1024 * 1024)} MiB")
    try:
        parsed = TTFont(io.BytesIO(data))
        if parsed["maxp"].numGlyphs < 2 or parsed["head"].unitsPerEm < 16:
            raise InvalidFont("the font has no glyphs or an impossible em size")
        if "cmap" not in parsed or parsed["cmap"].getBestCmap() is None:
            raise InvalidFont("the font has no character map (cmap); it cannot draw text")
        cmap = parsed["cmap"].getBestCmap()
        family = parsed["name"].getBestFamilyName() or "Uploaded font"
        style = parsed["name"].getBestSubFamilyName() or "Regular"
        if kind in ("woff", "woff2"):
            parsed.flavor = None
            out = io.BytesIO()
            parsed.save(out)
            sfnt = out.getvalue()
        else:
            sfnt = data
    except InvalidFont:
        raise
    except Exception as exc:  # fontTools raises whatever the damaged table makes it hit
        raise InvalidFont(f"damaged or unreadable {kind.upper()} file ({type(exc).__name__})") from exc
    font = FontFile(sfnt, family, style, kind, has_hangul=all(cp in cmap for cp in HANGUL_PROBES))
    try:
        probe = font.at(32)
        if probe.getlength("Aa 가") <= 0:
            raise InvalidFont("the font draws nothing for ordinary text")
    except OSError as exc:
        raise InvalidFont(f"FreeType cannot load this {kind.upper()} file: {exc}") from exc
    return font
