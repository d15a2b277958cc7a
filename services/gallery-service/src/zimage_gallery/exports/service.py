"""Channel-size exports: the exact pixels of a size preset, rendered once and cached in the object store."""

from __future__ import annotations

import asyncio
import io
import uuid
from dataclasses import dataclass
from enum import StrEnum

from PIL import Image, ImageOps
from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.db import utcnow
from zimage_common.errors import NotFound, Unprocessable
from zimage_common.objects import ObjectNotFound, ObjectStore, content_type_for
from zimage_common.sizes import PRESETS_BY_ID, SizePreset

from zimage_gallery.exports import repository as repo
from zimage_gallery.exports.models import ImageExport
from zimage_gallery.images import service as images
from zimage_gallery.images.models import GalleryImage

LOSSLESS_QUALITY = 100  # PNG has no quality setting; one key per preset


class ExportFormat(StrEnum):
    png = "png"
    jpeg = "jpeg"
    webp = "webp"


EXTENSIONS = {ExportFormat.png: "png", ExportFormat.jpeg: "jpg", ExportFormat.webp: "webp"}
PIL_FORMATS = {ExportFormat.png: "PNG", ExportFormat.jpeg: "JPEG", ExportFormat.webp: "WEBP"}


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


def preset_for(preset_id: str) -> SizePreset:
    preset = PRESETS_BY_ID.get(preset_id)
    if preset is None:
        raise UnknownPreset(f"unknown preset; choose one of: {', '.join(PRESETS_BY_ID)}")
    return preset


def export_key(image: GalleryImage, preset: SizePreset, quality: int, fmt: ExportFormat) -> str:
    """`{owner}/{task}/{index}.export.{preset}.{quality}.{ext}`: beside the original, one per variant."""
    return f"{image.png_key.removesuffix('.png')}.export.{preset.id}.{quality}.{EXTENSIONS[fmt]}"


def file_name(image: GalleryImage, preset: SizePreset, fmt: ExportFormat) -> str:
    """`{prompt-slug}_{preset}_{w}x{h}.{ext}`, e.g. `서울-야경_instagram_square_1080x1080.jpg`."""
    return f"{images.prompt_slug(image.prompt)}_{preset.id}_{preset.width}x{preset.height}.{EXTENSIONS[fmt]}"


def render(original: bytes, width: int, height: int, fmt: ExportFormat, quality: int) -> bytes:
    """Centre-crop to the target aspect, Lanczos-resize to exactly width×height, encode."""
    with Image.open(io.BytesIO(original)) as source:
        source.load()
        image = source.convert("RGBA" if fmt != ExportFormat.jpeg and "A" in source.getbands() else "RGB")
    fitted = ImageOps.fit(image, (width, height), method=Image.Resampling.LANCZOS, centering=(0.5, 0.5))
    out = io.BytesIO()
    if fmt == ExportFormat.png:
        fitted.save(out, "PNG")
    elif fmt == ExportFormat.jpeg:
        fitted.save(out, "JPEG", quality=quality, optimize=False, progressive=True)
    else:
        fitted.save(out, "WEBP", quality=quality, method=4)
    return out.getvalue()


async def export(
    session: AsyncSession,
    store: ObjectStore,
    owner_id: uuid.UUID,
    image_id: uuid.UUID,
    preset_id: str,
    fmt: ExportFormat,
    quality: int,
) -> Export:
    image = await images.get_own(session, owner_id, image_id)
    preset = preset_for(preset_id)
    quality = LOSSLESS_QUALITY if fmt == ExportFormat.png else quality
    key = export_key(image, preset, quality, fmt)
    name = file_name(image, preset, fmt)
    content_type = content_type_for(key)
    if await repo.get_by_key(session, key) is not None and await store.exists(key):
        return Export(key, name, content_type, cached=True, data=None)
    try:
        original = await store.get(image.png_key)
    except ObjectNotFound as exc:
        raise OriginalMissing("This image's original file is missing; it cannot be exported") from exc
    data = await asyncio.to_thread(render, original, preset.width, preset.height, fmt, quality)
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
