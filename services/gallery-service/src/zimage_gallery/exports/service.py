"""Channel-size exports: the exact pixels of a size preset, rendered once and cached in the object store.

Every exported file is finished the same way (single export, ZIP, campaign fan-out): the image's overlay when
asked for, the diagonal DRAFT mark unless the image is approved, provenance (PNG text + XMP) and, when this
installation signs, a C2PA manifest.
"""

from __future__ import annotations

import asyncio
import io
import uuid
from dataclasses import dataclass
from enum import StrEnum

from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.db import utcnow
from zimage_common.errors import NotFound, Unprocessable
from zimage_common.objects import ObjectNotFound, ObjectStore, content_type_for
from zimage_common.sizes import PRESETS_BY_ID, SizePreset

from zimage_gallery.exports import repository as repo
from zimage_gallery.exports.draft_mark import draft_mark
from zimage_gallery.exports.fitting import cover
from zimage_gallery.exports.models import ImageExport
from zimage_gallery.image_overlays import service as overlays
from zimage_gallery.image_overlays.service import OverlayAssets
from zimage_gallery.images import service as images
from zimage_gallery.images.models import GalleryImage
from zimage_gallery.overlays.schemas import OverlayLayout
from zimage_gallery.provenance import metadata as provenance
from zimage_gallery.provenance.c2pa_signing import ManifestSigner
from zimage_gallery.provenance.metadata import Provenance
from zimage_gallery.reviews.service import is_approved

LOSSLESS_QUALITY = 100  # PNG has no quality setting; one key per preset


class ExportFormat(StrEnum):
    png = "png"
    jpeg = "jpeg"
    webp = "webp"


EXTENSIONS = {ExportFormat.png: "png", ExportFormat.jpeg: "jpg", ExportFormat.webp: "webp"}
PIL_FORMATS = {ExportFormat.png: "PNG", ExportFormat.jpeg: "JPEG", ExportFormat.webp: "WEBP"}
MIME_TYPES = {ExportFormat.png: "image/png", ExportFormat.jpeg: "image/jpeg", ExportFormat.webp: "image/webp"}


class UnknownPreset(Unprocessable):
    code = "UnknownPreset"


class OriginalMissing(NotFound):
    code = "OriginalMissing"


@dataclass(frozen=True)
class Export:
    key: str
    file_name: str
    content_type: str
    cached: bool
    data: bytes | None  # the bytes when just rendered; None when served from the cache


@dataclass(frozen=True)
class Finish:
    """What goes onto an exported file besides the resize."""

    draft: bool
    provenance: Provenance
    overlay: OverlayAssets | None = None
    signer: ManifestSigner | None = None
    title: str = ""

    @property
    def variant(self) -> str:
        """Part of the cache key (letters, digits, `_`): the same export looks different once approved or with
        another overlay."""
        state = "draft" if self.draft else "final"
        return f"{state}_o{self.overlay.version}" if self.overlay else state


def preset_for(preset_id: str) -> SizePreset:
    preset = PRESETS_BY_ID.get(preset_id)
    if preset is None:
        raise UnknownPreset(f"unknown preset; choose one of: {', '.join(PRESETS_BY_ID)}")
    return preset


def finish_for(
    image: GalleryImage,
    export_preset: str,
    signer: ManifestSigner | None,
    title: str,
    overlay: OverlayAssets | None = None,
) -> Finish:
    return Finish(
        draft=not is_approved(image),
        provenance=provenance.for_image(image, export_preset),
        overlay=overlay,
        signer=signer,
        title=title,
    )


def export_key(image: GalleryImage, preset: SizePreset, quality: int, fmt: ExportFormat, variant: str) -> str:
    """`{owner}/{task}/{index}.export.{preset}_{variant}.{quality}.{ext}`: beside the original, one per variant
    (the shape the reconciler knows as an export)."""
    return f"{image.png_key.removesuffix('.png')}.export.{preset.id}_{variant}.{quality}.{EXTENSIONS[fmt]}"


def file_name(image: GalleryImage, preset: SizePreset, fmt: ExportFormat) -> str:
    """`{prompt-slug}_{preset}_{w}x{h}.{ext}`, e.g. `서울-야경_instagram_square_1080x1080.jpg`."""
    return f"{images.prompt_slug(image.prompt)}_{preset.id}_{preset.width}x{preset.height}.{EXTENSIONS[fmt]}"


def encode(image: Image.Image, fmt: ExportFormat, quality: int, finish: Finish) -> bytes:
    """Encode with the provenance metadata; sign the result when this installation signs."""
    out = io.BytesIO()
    if fmt == ExportFormat.png:
        image.save(out, "PNG", pnginfo=provenance.png_info(finish.provenance))
    else:
        xmp = provenance.xmp_packet(finish.provenance).encode("utf-8")
        if fmt == ExportFormat.jpeg:
            image.convert("RGB").save(out, "JPEG", quality=quality, optimize=False, progressive=True, xmp=xmp)
        else:
            image.save(out, "WEBP", quality=quality, method=4, xmp=xmp)
    data = out.getvalue()
    if finish.signer is not None:
        data = finish.signer.sign(data, MIME_TYPES[fmt], finish.title, finish.provenance)
    return data


def compose(
    original: bytes, width: int, height: int, fmt: ExportFormat, finish: Finish
) -> tuple[Image.Image, OverlayLayout | None]:
    """Centre-crop to the target aspect and Lanczos-resize to exactly width×height (the overlay laid out for
    that size on top when there is one), and mark it DRAFT unless approved."""
    with Image.open(io.BytesIO(original)) as source:
        source.load()
        image = source.convert("RGBA" if fmt != ExportFormat.jpeg and "A" in source.getbands() else "RGB")
    layout = None
    if finish.overlay is not None:
        fitted, layout = overlays.draw(image, finish.overlay, width, height, finish.provenance.export_preset)
    else:
        fitted = cover(image, width, height)
    if finish.draft:
        fitted = draft_mark(fitted)
    return fitted, layout


def render(original: bytes, width: int, height: int, fmt: ExportFormat, quality: int, finish: Finish) -> bytes:
    """The finished file: `compose`, then encode with provenance (and sign)."""
    return encode(compose(original, width, height, fmt, finish)[0], fmt, quality, finish)


def preview(original: bytes, width: int, height: int, finish: Finish) -> tuple[bytes, OverlayLayout | None]:
    """What the export will look like, as a PNG, with the overlay's layout."""
    image, layout = compose(original, width, height, ExportFormat.png, finish)
    return encode(image, ExportFormat.png, LOSSLESS_QUALITY, finish), layout


def finish_original(original: bytes, finish: Finish) -> bytes:
    """The original as it is, for a ZIP: approved, its bytes gain the provenance chunks (pixels untouched);
    otherwise it is marked DRAFT and encoded again."""
    if finish.draft or finish.overlay is not None:
        with Image.open(io.BytesIO(original)) as source:
            source.load()
            image = source.convert("RGBA" if "A" in source.getbands() else "RGB")
        return render(original, image.width, image.height, ExportFormat.png, LOSSLESS_QUALITY, finish)
    data = provenance.add_to_png(original, finish.provenance)
    if finish.signer is not None:
        data = finish.signer.sign(data, "image/png", finish.title, finish.provenance)
    return data


async def load_original(store: ObjectStore, image: GalleryImage) -> bytes:
    try:
        return await store.get(image.png_key)
    except ObjectNotFound as exc:
        raise OriginalMissing("This image's original file is missing; it cannot be exported") from exc


async def export(
    session: AsyncSession,
    store: ObjectStore,
    signer: ManifestSigner | None,
    owner_id: uuid.UUID,
    image_id: uuid.UUID,
    preset_id: str,
    fmt: ExportFormat,
    quality: int,
    *,
    with_overlay: bool = False,
) -> Export:
    image = await images.get_own(session, owner_id, image_id)
    preset = preset_for(preset_id)
    overlay = await overlays.assets_for(session, store, image) if with_overlay else None
    quality = LOSSLESS_QUALITY if fmt == ExportFormat.png else quality
    name = file_name(image, preset, fmt)
    finish = finish_for(image, preset.id, signer, name, overlay)
    key = export_key(image, preset, quality, fmt, finish.variant)
    content_type = content_type_for(key)
    if await repo.get_by_key(session, key) is not None and await store.exists(key):
        return Export(key, name, content_type, cached=True, data=None)
    original = await load_original(store, image)
    data = await asyncio.to_thread(render, original, preset.width, preset.height, fmt, quality, finish)
    await store.put(key, data, content_type)
    await repo.record(
        session,
        ImageExport(
            id=uuid.uuid4(),
            image_id=image.id,
            owner_id=owner_id,
            preset=preset.id,
            format=fmt.value,
            quality=quality,
            key=key,
            bytes=len(data),
            created_at=utcnow(),
        ),
    )
    return Export(key, name, content_type, cached=False, data=data)
