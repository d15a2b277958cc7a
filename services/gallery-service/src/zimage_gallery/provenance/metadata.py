"""Machine-readable provenance in every exported file: PNG text chunks and an XMP packet (IPTC DigitalSourceType)."""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from PIL.PngImagePlugin import PngInfo
from zimage_common import __version__

from zimage_gallery.images.models import GalleryImage

TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
AI_STATEMENT = "AI-generated"
XMP_KEYWORD = "XML:com.adobe.xmp"
ZIMAGE_NS = "urn:zimage-platform:ns:provenance:1.0#"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Provenance:
    image_id: str
    model: str
    engine: str
    seed: int
    prompt_sha256: str
    export_preset: str
    platform_version: str = __version__

    def text_fields(self) -> dict[str, str]:
        """The PNG tEXt chunks (keys and values ASCII, so every reader shows them)."""
        return {
            "AI-Generated": f"{AI_STATEMENT} image (trained algorithmic media)",
            "DigitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
            "Model": self.model,
            "Engine": self.engine,
            "Seed": str(self.seed),
            "Prompt-SHA256": self.prompt_sha256,
            "Platform-Version": f"zimage-platform {self.platform_version}",
            "Export-Preset": self.export_preset,
            "Image-Id": self.image_id,
        }


def for_image(image: GalleryImage, export_preset: str) -> Provenance:
    return Provenance(
        image_id=str(image.id),
        model=image.model or "unknown",
        engine=image.engine or "unknown",
        seed=image.seed,
        prompt_sha256=hashlib.sha256(image.prompt.encode("utf-8")).hexdigest(),
        export_preset=export_preset,
    )


def xmp_packet(p: Provenance) -> str:
    """An XMP packet with IPTC's DigitalSourceType and AI-system fields, and ours under the zimage namespace."""
    fields = {
        "Iptc4xmpExt:DigitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
        "Iptc4xmpExt:AISystemUsed": p.model,
        "xmp:CreatorTool": f"zimage-platform {p.platform_version}",
        "zimage:Model": p.model,
        "zimage:Engine": p.engine,
        "zimage:Seed": str(p.seed),
        "zimage:PromptSHA256": p.prompt_sha256,
        "zimage:PlatformVersion": p.platform_version,
        "zimage:ExportPreset": p.export_preset,
        "zimage:ImageId": p.image_id,
        "zimage:AIGenerated": "True",
    }
    attributes = "\n    ".join(f"{name}={quoteattr(value)}" for name, value in fields.items())
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""\n'
        '    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"\n'
        '    xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '    xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n'
        f"    xmlns:zimage={quoteattr(ZIMAGE_NS)}\n"
        f"    {attributes}>\n"
        '   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">'
        f"{escape(AI_STATEMENT)}: made with {escape(p.model)} on zimage-platform"
        "</rdf:li></rdf:Alt></dc:description>\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="r"?>'
    )


def png_info(p: Provenance) -> PngInfo:
    """For Pillow's PNG encoder: the tEXt fields and the XMP packet as an uncompressed iTXt."""
    info = PngInfo()
    for key, value in p.text_fields().items():
        info.add_text(key, value)
    info.add_itxt(XMP_KEYWORD, xmp_packet(p))
    return info


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def add_to_png(png: bytes, p: Provenance) -> bytes:
    """The same PNG with the provenance chunks after IHDR: pixels and the chunks already there stay as they are
    (an approved original goes into a ZIP without being decoded and encoded again)."""
    if not png.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG")
    (ihdr_length,) = struct.unpack(">I", png[8:12])
    end_of_ihdr = 8 + 12 + ihdr_length
    chunks = [_chunk(b"tEXt", f"{k}\0{v}".encode("latin-1")) for k, v in p.text_fields().items()]
    chunks.append(_chunk(b"iTXt", XMP_KEYWORD.encode("latin-1") + b"\0\0\0\0\0" + xmp_packet(p).encode("utf-8")))
    return png[:end_of_ihdr] + b"".join(chunks) + png[end_of_ihdr:]
