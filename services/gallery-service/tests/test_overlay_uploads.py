"""Brand-kit uploads the overlay uses: fonts validated by loading them, logos decoded within limits and SVG
rasterised only when it reaches for nothing outside itself. Every refusal is the typed 422 error."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from PIL import Image
from zimage_common.errors import Unprocessable
from zimage_gallery.overlays import (
    FontFamily,
    InvalidFont,
    InvalidLogo,
    OverlaySpec,
    bundled_family,
    layout,
    load_font,
    load_logo,
    render,
)
from zimage_gallery.overlays.fonts import FONT_DIR


def latin_font(flavor: str | None = None) -> bytes:
    """A tiny TrueType font with A–Z, a–z, space and digits as boxes, no Hangul; optionally WOFF/WOFF2."""
    chars = [chr(c) for c in [*range(0x41, 0x5B), *range(0x61, 0x7B), *range(0x30, 0x3A)]]
    names = [".notdef", "space", *[f"g{ord(c)}" for c in chars]]
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({0x20: "space", **{ord(c): f"g{ord(c)}" for c in chars}})
    glyphs = {}
    for name in names:
        pen = TTGlyphPen(None)
        if name != "space":
            pen.moveTo((50, 0))
            pen.lineTo((50, 700))
            pen.lineTo((550, 700))
            pen.lineTo((550, 0))
            pen.closePath()
        glyphs[name] = pen.glyph()
    fb.setupGlyf(glyphs)
    fb.setupHorizontalMetrics({name: (600, 50) for name in names})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": "Tiny Test", "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=800, usWinAscent=800, usWinDescent=200)
    fb.setupPost()
    if flavor:
        fb.font.flavor = flavor
    out = io.BytesIO()
    fb.save(out)
    return out.getvalue()


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (200, 30, 60, 255)).save(out, "PNG")
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header declares width×height, with one tiny compressed row: a decompression bomb's shape."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


SVG_OK = b"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="200" height="80"
  viewBox="0 0 200 80"><defs><linearGradient id="g"><stop offset="0" stop-color="#f43"/>
  <stop offset="1" stop-color="#fa3"/></linearGradient></defs>
  <circle cx="40" cy="40" r="36" fill="url(#g)"/><use xlink:href="#dot" x="100"/>
  <circle id="dot" cx="20" cy="40" r="10" fill="#123"/></svg>"""


# --- fonts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("flavor", [None, "woff", "woff2"])
def test_loads_ttf_woff_and_woff2(flavor: str | None) -> None:
    font = load_font(latin_font(flavor))
    assert font.family == "Tiny Test" and font.format == (flavor or "ttf")
    assert not font.has_hangul
    assert font.data[:4] == b"\x00\x01\x00\x00"  # WOFF/WOFF2 unpacked to plain sfnt for FreeType
    assert font.at(40).getlength("Hi 42") > 0


def test_loads_the_bundled_otf() -> None:
    font = load_font((FONT_DIR / "Pretendard-Bold.otf").read_bytes())
    assert (font.family, font.style, font.format, font.has_hangul) == ("Pretendard", "Bold", "otf", True)
    assert (FONT_DIR / "OFL.txt").read_text().startswith("Copyright (c) 2021, Kil Hyung-jin")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "not a font file"),
        (b"hello, I am a font", "not a font file"),
        (png(4, 4), "not a font file"),
        (b"ttcf" + b"\0" * 64, "collections"),
        (b"OTTO" + b"\0" * 8, "damaged"),
        (b"wOF2" + b"\0" * 4, "cut short"),
        (b"wOF2" + b"\0" * 12 + struct.pack(">I", 2**31) + b"\0" * 28, "unpacks to more than"),
    ],
    ids=["empty", "text", "png", "collection", "truncated-otf", "truncated-woff2", "woff2-bomb"],
)
def test_malformed_fonts_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(InvalidFont, match=reason) as err:
        load_font(data)
    assert isinstance(err.value, Unprocessable) and err.value.status_code == 422 and err.value.code == "InvalidFont"


def test_a_font_cut_in_half_is_refused() -> None:
    data = latin_font()
    with pytest.raises(InvalidFont):
        load_font(data[: len(data) // 2])
    woff2 = latin_font("woff2")
    with pytest.raises(InvalidFont):
        load_font(woff2[: len(woff2) - 40])


def test_a_brand_font_without_hangul_falls_back_to_pretendard_for_korean() -> None:
    brand = FontFamily.of(load_font(latin_font()))
    assert layout(OverlaySpec(headline="SUMMER SALE 50"), 1080, 1080, font=brand).font_family == "Tiny Test"
    korean = OverlaySpec(headline="여름 SALE", cta="Buy now")
    assert layout(korean, 1080, 1080, font=brand).font_family == bundled_family().name
    drawn = render(korean, Image.new("RGB", (64, 64), (10, 10, 10)), 1080, 1080, font=brand)
    assert drawn.layout == layout(korean, 1080, 1080, font=brand, base=Image.new("RGB", (64, 64), (10, 10, 10)))


# --- logos ---------------------------------------------------------------------------------------------


def test_png_logo_is_decoded_and_kept_small() -> None:
    logo = load_logo(png(300, 120), "image/png")
    assert logo.mode == "RGBA" and logo.size == (300, 120)
    big = load_logo(png(3000, 600), "image/png; charset=binary")
    assert big.size == (1024, 205)


def test_svg_logo_is_rasterised() -> None:
    logo = load_logo(SVG_OK, "image/svg+xml")
    assert logo.mode == "RGBA" and logo.size == (1024, 410)
    assert logo.getpixel((200, 205))[3] == 255 and logo.getpixel((1000, 20))[3] == 0


EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&secret;</text></svg>"""
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&b;</text></svg>"""


@pytest.mark.parametrize(
    ("data", "content_type", "reason"),
    [
        (EXTERNAL_ENTITY, "image/svg+xml", "DTD or entities"),
        (BILLION_LAUGHS, "image/svg+xml", "DTD or entities"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000">'
            b'<rect width="9" height="9"/></svg>',
            "image/svg+xml",
            "at most 10000",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1e9 1e9"><rect width="9" height="9"/></svg>',
            "image/svg+xml",
            "viewBox",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
            b' width="10" height="10"><image xlink:href="file:///etc/hostname" width="10" height="10"/></svg>',
            "image/svg+xml",
            "<image>",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><use href="http://example.com/a.svg#x"/>'
            b"</svg>",
            "image/svg+xml",
            "own elements",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
            b'<rect width="9" height="9" fill="url(https://example.com/p.svg#g)"/></svg>',
            "image/svg+xml",
            "url",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><style>@import url(x.css);</style></svg>',
            "image/svg+xml",
            "style sheets",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>',
            "image/svg+xml",
            "<script>",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)"/>',
            "image/svg+xml",
            "event handlers",
        ),
        (b"<svg xmlns='http://www.w3.org/2000/svg' width='10'", "image/svg+xml", "malformed SVG"),
        (b"<html><body/></html>", "image/svg+xml", "not an SVG document"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="9" height="9"/></svg>', "image/svg+xml", "need a size"),
        (b"\xff\xfe<\x00s\x00v\x00g\x00", "image/svg+xml", "not UTF-8"),
        (b"\x1f\x8b\x08\x00" + b"\0" * 16, "image/svg+xml", "svgz"),
        (b"<svg>" + b" " * (600 * 1024) + b"</svg>", "image/svg+xml", "larger than 512 KiB"),
        (png_claiming(100_000, 100_000), "image/png", "too many pixels|at most"),
        (png_claiming(5000, 5000), "image/png", "at most 16,777,216 pixels"),
        (png(8, 8)[:40], "image/png", "damaged PNG"),
        (b"GIF89a" + b"\0" * 20, "image/png", "not a PNG"),
        (png(8, 8), "image/gif", "PNG .* or SVG"),
        (SVG_OK, "image/png", "not a PNG"),
    ],
    ids=[
        "external-entity",
        "billion-laughs",
        "huge-size",
        "huge-viewbox",
        "linked-image",
        "remote-use",
        "remote-url-fill",
        "css-import",
        "script",
        "onload",
        "truncated-xml",
        "html",
        "no-size",
        "binary",
        "svgz",
        "too-large",
        "png-bomb",
        "png-over-cap",
        "truncated-png",
        "gif-as-png",
        "gif-type",
        "svg-as-png",
    ],
)
def test_malformed_or_unsafe_logos_are_refused(data: bytes, content_type: str, reason: str) -> None:
    with pytest.raises(InvalidLogo, match=reason) as err:
        load_logo(data, content_type)
    assert err.value.status_code == 422 and err.value.code == "InvalidLogo"
