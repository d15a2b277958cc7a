"""Brand-kit logos: PNG decoded within limits, SVG rasterised safely (resvg, after a strict check of the markup).

SVG rules: no DTD or entities at all (defusedxml), the root is `<svg>` in the SVG namespace, no `<script>`,
`<foreignObject>` or embedded/linked `<image>`, every `href` is a same-document fragment (`#id`), every CSS
`url(...)` too, no `@import`; the declared size is bounded. resvg then draws it with no system fonts (only the
bundled Pretendard) and no resources directory, at most 1024 px on the long side.
"""

from __future__ import annotations

import io
import re
import warnings
from xml.etree.ElementTree import Element, ParseError

import resvg_py
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from PIL import Image
from zimage_common.errors import Unprocessable

from zimage_gallery.overlays.fonts import FONT_DIR

MAX_PNG_BYTES = 5 * 1024 * 1024
MAX_SVG_BYTES = 512 * 1024
MAX_LOGO_PIXELS = 4096 * 4096
MAX_SVG_SIDE = 10_000  # declared user units; real logos are a few hundred
LOGO_SIDE = 1024  # logos are kept and rasterised at most this long on their long side
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SVG_NS = "{http://www.w3.org/2000/svg}"
FORBIDDEN_ELEMENTS = {"script", "foreignObject", "image", "iframe", "audio", "video", "handler", "listener"}
_EXTERNAL_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.IGNORECASE)
_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(px|pt|mm|cm|in)?\s*$")
_UNIT_PX = {None: 1.0, "px": 1.0, "pt": 4 / 3, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96.0}


class InvalidLogo(Unprocessable):
    code = "InvalidLogo"


def load_logo(data: bytes, content_type: str) -> Image.Image:
    """An RGBA logo at most 1024 px on its long side, from PNG or SVG bytes; InvalidLogo with the reason otherwise."""
    kind = content_type.split(";")[0].strip().lower()
    if kind == "image/png":
        return _load_png(data)
    if kind == "image/svg+xml":
        return _load_png(_rasterise_svg(data))
    raise InvalidLogo("logos must be PNG (image/png) or SVG (image/svg+xml)")


def _load_png(data: bytes) -> Image.Image:
    if len(data) > MAX_PNG_BYTES:
        raise InvalidLogo(f"PNG logo is larger than {MAX_PNG_BYTES // (1024 * 1024)} MiB")
    if not data.startswith(PNG_MAGIC):
        raise InvalidLogo("not a PNG file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # Pillow's MAX_IMAGE_PIXELS
            with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
                width, height = image.size
                if width * height > MAX_LOGO_PIXELS:
                    raise InvalidLogo(f"PNG logo is {width}×{height}; at most {MAX_LOGO_PIXELS:,} pixels")
                image.load()
                logo = image.convert("RGBA")
    except InvalidLogo:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidLogo("PNG logo declares too many pixels") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidLogo(f"damaged PNG file: {exc}") from exc
    if max(logo.size) > LOGO_SIDE:
        logo.thumbnail((LOGO_SIDE, LOGO_SIDE), Image.Resampling.LANCZOS)
    return logo


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _check_svg(root: Element) -> tuple[float, float]:
    """Refuse anything that reaches outside the document; return its declared size."""
    if root.tag != f"{SVG_NS}svg":
        raise InvalidLogo("not an SVG document (the root element must be <svg> in the SVG namespace)")
    for element in root.iter():
        name = _local(str(element.tag))
        if name in FORBIDDEN_ELEMENTS:
            raise InvalidLogo(f"SVG logos may not contain <{name}>; upload a PNG if the logo embeds a picture")
        for attr, value in element.attrib.items():
            if _local(attr) == "href" and not value.strip().startswith("#"):
                raise InvalidLogo('SVG logos may only reference their own elements (href="#id"), not files or URLs')
            if _EXTERNAL_URL.search(value):
                raise InvalidLogo("SVG logos may only use url(#id) references, not files or URLs")
            if _local(attr).lower().startswith("on"):
                raise InvalidLogo("SVG logos may not carry event handlers")
        text = element.text or ""
        if name == "style" and ("@import" in text.lower() or _EXTERNAL_URL.search(text)):
            raise InvalidLogo("SVG logos may not import or link style sheets or fonts")
    return _declared_size(root)


def _declared_size(root: Element) -> tuple[float, float]:
    width, height = _length(root.get("width")), _length(root.get("height"))
    view_box = (root.get("viewBox") or "").replace(",", " ").split()
    if len(view_box) == 4:
        try:
            vb_width, vb_height = float(view_box[2]), float(view_box[3])
        except ValueError as exc:
            raise InvalidLogo("SVG viewBox must be four numbers") from exc
        if not (0 < vb_width <= MAX_SVG_SIDE and 0 < vb_height <= MAX_SVG_SIDE):
            raise InvalidLogo(f"SVG viewBox is {vb_width:g}×{vb_height:g}; each side must be 0–{MAX_SVG_SIDE}")
        width = width or vb_width * (height / vb_height if height else 1.0)
        height = height or vb_height * (width / vb_width)
    if not width or not height:
        raise InvalidLogo("SVG logos need a size: width and height, or a viewBox")
    if not (0 < width <= MAX_SVG_SIDE and 0 < height <= MAX_SVG_SIDE):
        raise InvalidLogo(f"SVG declares {width:g}×{height:g}; each side must be at most {MAX_SVG_SIDE}")
    return width, height


def _length(value: str | None) -> float | None:
    """An absolute length in px; None for none, percentages or font-relative units (the viewBox decides)."""
    match = _LENGTH.match(value or "")
    if match is None:
        return None
    return float(match.group(1)) * _UNIT_PX[match.group(2)]


def _rasterise_svg(data: bytes) -> bytes:
    if len(data) > MAX_SVG_BYTES:
        raise InvalidLogo(f"SVG logo is larger than {MAX_SVG_BYTES // 1024} KiB")
    if data[:2] == b"\x1f\x8b":
        raise InvalidLogo("compressed SVG (.svgz) is not accepted; upload the plain .svg")
    try:
        markup = data.decode("utf-8-sig")
        root = fromstring(markup, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except UnicodeDecodeError as exc:
        raise InvalidLogo("SVG logo is not UTF-8 text") from exc
    except DefusedXmlException as exc:
        raise InvalidLogo("SVG logos may not declare a DTD or entities") from exc
    except ParseError as exc:
        raise InvalidLogo(f"malformed SVG: {exc}") from exc
    width, height = _check_svg(root)
    try:
        return bytes(
            resvg_py.svg_to_bytes(
                svg_string=markup,
                skip_system_fonts=True,
                font_files=[str(FONT_DIR / "Pretendard-Regular.otf"), str(FONT_DIR / "Pretendard-Bold.otf")],
                font_family="Pretendard",
                sans_serif_family="Pretendard",
                width=LOGO_SIDE if width >= height else None,
                height=None if width >= height else LOGO_SIDE,
            )
        )
    except ValueError as exc:
        raise InvalidLogo(f"SVG logo could not be drawn: {exc}") from exc
