"""Images: ingest from image-service, the caller's own list/detail/edit/delete, bulk actions and ZIPs."""

from __future__ import annotations

import asyncio
import re
import unicodedata
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.db import after_commit, utcnow
from zimage_common.errors import NotFound, Unprocessable
from zimage_common.objects import ObjectNotFound, ObjectStore, validate_key
from zipstream import ZIP_STORED, ZipStream

from zimage_gallery.config import Settings
from zimage_gallery.folders import repository as folders_repo
from zimage_gallery.folders import service as folders
from zimage_gallery.images import repository as repo
from zimage_gallery.images.models import GalleryImage
from zimage_gallery.images.pagination import decode_cursor, encode_cursor
from zimage_gallery.images.repository import ImageFilter
from zimage_gallery.images.schemas import (
    BulkDelete,
    BulkFavorite,
    BulkMove,
    BulkTags,
    FolderCount,
    ImageOut,
    ImagePatch,
    IngestImage,
    ReviewCounts,
    Sidebar,
    TagCount,
)
from zimage_gallery.images.search import index_tokens
from zimage_gallery.reviews.schemas import ReviewStatus
from zimage_gallery.tags import repository as tags_repo
from zimage_gallery.tags import service as tags
from zimage_gallery.tags.models import Tag
from zimage_gallery.tags.schemas import TagRef

log = structlog.get_logger("zimage.gallery.images")
SLUG_LENGTH = 48


class ImageNotFound(NotFound):
    code = "ImageNotFound"


def prompt_slug(prompt: str) -> str:
    """File-name part from a prompt: letters (Korean kept) and digits, words joined by '-', at most 48."""
    text = unicodedata.normalize("NFC", prompt).casefold()
    slug = re.sub(r"[\W_]+", "-", text).strip("-")[:SLUG_LENGTH].strip("-")
    return slug or "image"


# ---- ingest (internal) --------------------------------------------------------------------------


@dataclass
class Ingested:
    created: int  # new records
    skipped: int  # images the user has deleted (a re-delivery): not stored again


async def ingest(session: AsyncSession, images: Sequence[IngestImage]) -> Ingested:
    """Store images not seen before; an id already stored keeps its record, user edits included, and an id the
    user deleted stays deleted (image-service hands images over at least once)."""
    now = utcnow()
    unique = {i.id: i for i in images}
    deleted = await repo.deleted_among(session, list(unique))
    rows: list[dict[str, Any]] = []
    for image in unique.values():
        try:
            validate_key(image.png_key)
            validate_key(image.thumb_key)
        except ValueError as exc:
            raise Unprocessable(f"image {image.id}: {exc}") from exc
        rows.append(
            image.model_dump()
            | {
                "ingested_at": now,
                "updated_at": now,
                "favorite": False,
                "note": None,
                "review_status": ReviewStatus.draft.value,
                "review_updated_at": None,
                "folder_id": None,
                "search_text": index_tokens(image.prompt),
                "original_missing": False,
            }
        )
    created = await repo.insert_new(session, [r for r in rows if r["id"] not in deleted])
    # A delete that committed while our insert waited on its row leaves a tombstone we could not see above.
    revived = await repo.remove_deleted(session, created)
    return Ingested(created=len(created) - len(revived), skipped=len(deleted) + len(revived))


# ---- reading ------------------------------------------------------------------------------------


async def get_own(session: AsyncSession, owner_id: uuid.UUID, image_id: uuid.UUID) -> GalleryImage:
    image = await repo.get_own(session, owner_id, image_id)
    if image is None:  # another user's image looks exactly like a missing one
        raise ImageNotFound("No such image")
    return image


async def get_selection(session: AsyncSession, owner_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> list[GalleryImage]:
    """All the named images, or ImageNotFound if any is missing or someone else's (then nothing happens)."""
    wanted = list(dict.fromkeys(ids))
    found = list(await repo.get_own_many(session, owner_id, wanted))
    if len(found) != len(wanted):
        missing = sorted(set(wanted) - {i.id for i in found}, key=str)
        raise ImageNotFound(f"No such image: {', '.join(map(str, missing[:5]))}")
    return found


async def list_own(
    session: AsyncSession,
    owner_id: uuid.UUID,
    f: ImageFilter,
    *,
    newest_first: bool,
    limit: int,
    cursor: str | None,
) -> tuple[list[GalleryImage], str | None]:
    after = decode_cursor(cursor) if cursor else None
    if f.folder_ids:
        f = replace(f, folder_ids=await folders.with_subfolders(session, owner_id, f.folder_ids))
    rows = list(await repo.list_images(session, owner_id, f, newest_first=newest_first, limit=limit + 1, after=after))
    next_cursor = encode_cursor(rows[limit - 1].created_at, rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


async def to_out(
    session: AsyncSession, store: ObjectStore, settings: Settings, images: Sequence[GalleryImage]
) -> list[ImageOut]:
    tags_by_image = await repo.tags_of(session, [i.id for i in images])
    out = []
    for image in images:
        name = f"{prompt_slug(image.prompt)}_{image.width}x{image.height}.png"
        out.append(
            ImageOut(
                id=image.id,
                task_id=image.task_id,
                index=image.index,
                url=await store.signed_url(image.png_key, settings.signed_url_seconds, download_name=name),
                thumbnail_url=await store.signed_url(image.thumb_key, settings.signed_url_seconds),
                width=image.width,
                height=image.height,
                generation_width=image.generation_width,
                generation_height=image.generation_height,
                png_bytes=image.png_bytes,
                preset=image.preset,
                prompt=image.prompt,
                negative_prompt=image.negative_prompt,
                seed=image.seed,
                steps=image.steps,
                guidance_scale=image.guidance_scale,
                model=image.model,
                engine=image.engine,
                template_id=image.template_id,
                brand_kit_id=image.brand_kit_id,
                brand_guidance=image.brand_guidance,
                created_at=image.created_at,
                favorite=image.favorite,
                note=image.note,
                review_status=ReviewStatus(image.review_status),
                review_updated_at=image.review_updated_at,
                folder_id=image.folder_id,
                tags=[TagRef(id=t.id, name=t.name) for t in tags_by_image.get(image.id, [])],
                original_missing=image.original_missing,
            )
        )
    return out


async def sidebar(session: AsyncSession, owner_id: uuid.UUID) -> Sidebar:
    total, favorites, unfiled = await repo.totals(session, owner_id)
    by_folder = await repo.counts_by_folder(session, owner_id)
    by_tag = await repo.counts_by_tag(session, owner_id)
    by_review = await repo.counts_by_review_status(session, owner_id)
    all_folders = await folders_repo.all_folders(session, owner_id)
    with_children = dict(by_folder)
    for f in all_folders:
        if f.parent_id is not None:
            with_children[f.parent_id] = with_children.get(f.parent_id, 0) + by_folder.get(f.id, 0)
    return Sidebar(
        total=total,
        favorites=favorites,
        unfiled=unfiled,
        review=ReviewCounts(**{s.value: by_review.get(s.value, 0) for s in ReviewStatus}),
        folders=[
            FolderCount(
                id=f.id,
                name=f.name,
                parent_id=f.parent_id,
                count=by_folder.get(f.id, 0),
                total_count=with_children.get(f.id, 0),
            )
            for f in all_folders
        ],
        tags=[
            TagCount(id=t.id, name=t.name, count=by_tag.get(t.id, 0))
            for t in await tags_repo.all_tags(session, owner_id)
        ],
    )


# ---- changing -----------------------------------------------------------------------------------


async def _set_tags(session: AsyncSession, owner_id: uuid.UUID, image: GalleryImage, names: list[str]) -> None:
    wanted: list[Tag] = await tags.ensure(session, owner_id, names) if names else []
    await repo.clear_tags(session, [image.id])
    await repo.add_tags(session, [image], [t.id for t in wanted])


async def patch(session: AsyncSession, owner_id: uuid.UUID, image_id: uuid.UUID, body: ImagePatch) -> GalleryImage:
    image = await get_own(session, owner_id, image_id)
    fields = body.model_fields_set
    if "folder_id" in fields and body.folder_id is not None:
        await folders.get_own(session, owner_id, body.folder_id)
    if "note" in fields:
        image.note = body.note
        image.search_text = index_tokens(image.prompt, image.note)
    if "favorite" in fields:
        image.favorite = body.favorite
    if "folder_id" in fields:
        image.folder_id = body.folder_id
    if "tags" in fields:
        await _set_tags(session, owner_id, image, body.tags)
    image.updated_at = utcnow()
    await session.flush()
    return image


def _remove_objects_after_commit(session: AsyncSession, store: ObjectStore, keys: list[str]) -> None:
    """Objects go once the records are gone for sure; one that fails to go is the reconciler's (P3)."""

    async def remove() -> None:
        failed = 0
        for key in keys:
            try:
                await store.delete(key)
            except Exception:
                failed += 1
                log.warning("object_delete_failed", key=key, exc_info=True)
        log.info("image_objects_deleted", objects=len(keys) - failed, failed=failed)

    after_commit(session, remove)


async def delete_many(
    session: AsyncSession, store: ObjectStore, owner_id: uuid.UUID, images: list[GalleryImage]
) -> None:
    ids = [i.id for i in images]
    keys = [k for i in images for k in (i.png_key, i.thumb_key)] + await repo.export_keys(session, ids)
    await repo.delete_images(session, owner_id, ids, utcnow())
    _remove_objects_after_commit(session, store, keys)


async def delete(session: AsyncSession, store: ObjectStore, owner_id: uuid.UUID, image_id: uuid.UUID) -> None:
    await delete_many(session, store, owner_id, [await get_own(session, owner_id, image_id)])


async def bulk(
    session: AsyncSession,
    store: ObjectStore,
    owner_id: uuid.UUID,
    body: BulkMove | BulkTags | BulkFavorite | BulkDelete,
) -> int:
    """Apply one action to every named image; any id that is not the caller's image → 404 and no change."""
    images = await get_selection(session, owner_id, body.ids)
    ids = [i.id for i in images]
    now = utcnow()
    match body:
        case BulkMove():
            if body.folder_id is not None:
                await folders.get_own(session, owner_id, body.folder_id)
            await repo.update_images(session, owner_id, ids, folder_id=body.folder_id, updated_at=now)
        case BulkTags(action="add_tags"):
            await repo.add_tags(session, images, [t.id for t in await tags.ensure(session, owner_id, body.tags)])
        case BulkTags():
            existing = await tags_repo.by_names(session, owner_id, body.tags)
            await repo.remove_tags(session, ids, [t.id for t in existing])
        case BulkFavorite():
            await repo.update_images(session, owner_id, ids, favorite=body.favorite, updated_at=now)
        case BulkDelete():
            await delete_many(session, store, owner_id, images)
    return len(ids)


# ---- ZIP ----------------------------------------------------------------------------------------


def zip_name(image: GalleryImage) -> str:
    """`{prompt-slug}_{id8}.png`: unique in the archive."""
    return f"{prompt_slug(image.prompt)}_{image.id.hex[:8]}.png"


async def zip_stream(
    store: ObjectStore, images: Sequence[GalleryImage], finish: Callable[[GalleryImage, str, bytes], bytes]
) -> AsyncIterator[bytes]:
    """A ZIP written as it is sent: one original in memory at a time, finished (provenance, DRAFT mark unless
    approved) off the event loop, stored without compression (PNG)."""
    archive = ZipStream(compress_type=ZIP_STORED)
    for image in images:
        try:
            data = await store.get(image.png_key)
        except ObjectNotFound:
            log.warning("zip_original_missing", key=image.png_key)
            continue
        name = zip_name(image)
        archive.add(await asyncio.to_thread(finish, image, name, data), name)
        for chunk in archive.all_files():
            yield chunk
    for chunk in archive.footer():
        yield chunk
