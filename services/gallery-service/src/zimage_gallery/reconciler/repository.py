"""SQL for the reconciler: which object keys the records of every table that names objects refer to."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from zimage_gallery.brand_kits.models import BrandKitFont, BrandKitLogo
from zimage_gallery.exports.models import ImageExport
from zimage_gallery.images.models import GalleryImage

# Every column that holds an object-store key: originals, thumbnails, cached exports, brand fonts and logos.
KEY_COLUMNS: tuple[InstrumentedAttribute[str], ...] = (
    GalleryImage.png_key,
    GalleryImage.thumb_key,
    ImageExport.key,
    BrandKitFont.key,
    BrandKitLogo.key,
)
CHUNK = 500


async def all_object_keys(session: AsyncSession) -> set[str]:
    keys: set[str] = set()
    for column in KEY_COLUMNS:
        keys.update((await session.execute(select(column))).scalars().all())
    return keys


async def referenced_among(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    """Which of `keys` a record refers to now (the last check before a delete)."""
    found: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        chunk = list(keys[start : start + CHUNK])
        for column in KEY_COLUMNS:
            found.update((await session.execute(select(column).where(column.in_(chunk)))).scalars().all())
    return found
