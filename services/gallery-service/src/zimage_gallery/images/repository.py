"""All SQL for images: ingest, the filtered list, the sidebar counts, edits and deletion."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, case, column, delete, exists, func, literal_column, select, text, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement

from zimage_gallery.campaigns.models import CampaignImage
from zimage_gallery.exports.models import ImageExport
from zimage_gallery.image_overlays.models import ImageOverlay
from zimage_gallery.images.models import SEARCH_VECTOR, DeletedImage, GalleryImage
from zimage_gallery.images.search import Term, fts5_query, tsquery
from zimage_gallery.reviews.models import ImageComment
from zimage_gallery.tags.models import ImageTag, Tag

# SQLite: images_fts is FTS5 over images.search_text with rowid = images.pk (see migration 0001).
# PostgreSQL: images.search_vector, GIN-indexed (see migration 0003).


@dataclass
class ImageFilter:
    folder_ids: list[uuid.UUID] = field(default_factory=list)  # images directly in any of these
    unfiled: bool = False
    tag_ids: list[uuid.UUID] = field(default_factory=list)  # images with all of these
    favorite: bool | None = None
    review_status: str | None = None
    template_id: uuid.UUID | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    preset: str | None = None
    width: int | None = None
    height: int | None = None
    terms: list[Term] = field(default_factory=list)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def text_match(dialect: str, terms: list[Term]) -> ColumnElement[bool]:
    if dialect == "postgresql":
        query = func.to_tsquery(literal_column("'simple'::regconfig"), tsquery(terms))
        return SEARCH_VECTOR.op("@@")(query)
    matches = text("SELECT rowid FROM images_fts WHERE images_fts MATCH :fts_query").bindparams(
        fts_query=fts5_query(terms)
    )
    return GalleryImage.pk.in_(matches.columns(column("rowid", Integer)))


def filtered(dialect: str, owner_id: uuid.UUID, f: ImageFilter) -> list[ColumnElement[bool]]:
    """WHERE conditions on the image: always the owner first, then each filter given except tags."""
    conditions: list[ColumnElement[bool]] = [GalleryImage.owner_id == owner_id]
    if f.unfiled:
        conditions.append(GalleryImage.folder_id.is_(None))
    elif f.folder_ids:
        conditions.append(GalleryImage.folder_id.in_(f.folder_ids))
    if f.favorite is not None:
        conditions.append(GalleryImage.favorite.is_(f.favorite))
    if f.review_status is not None:
        conditions.append(GalleryImage.review_status == f.review_status)
    if f.template_id is not None:
        conditions.append(GalleryImage.template_id == f.template_id)
    if f.created_from is not None:
        conditions.append(GalleryImage.created_at >= f.created_from)
    if f.created_to is not None:
        conditions.append(GalleryImage.created_at < f.created_to)
    if f.preset is not None:
        conditions.append(GalleryImage.preset == f.preset)
    if f.width is not None:
        conditions.append(GalleryImage.width == f.width)
    if f.height is not None:
        conditions.append(GalleryImage.height == f.height)
    if f.terms:
        conditions.append(text_match(dialect, f.terms))
    return conditions


def list_statement(
    dialect: str,
    owner_id: uuid.UUID,
    f: ImageFilter,
    *,
    newest_first: bool,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
) -> Select[GalleryImage]:
    """The page query the list endpoint runs (the benchmark EXPLAINs this same statement).

    Pages are in (created_at, id) order. Without a tag the images' (owner_id, created_at, id) index gives that
    order. With tags, ix_image_tags_owner_tag_created does (an image's created_at is copied onto its links): the
    first tag's range is read in page order, and every other tag is matched on the whole index key, so
    PostgreSQL can walk the tags' ranges in step (a merge join; then which tag comes first does not matter) or
    probe each, whichever its statistics say costs less."""

    def past_cursor(created: Any, row: Any) -> list[ColumnElement[bool]]:
        # A row comparison, so the database seeks the index instead of filtering.
        if after is None:
            return []
        cursor = tuple_(*after, types=[GalleryImage.created_at.type, GalleryImage.id.type])
        return [tuple_(created, row) < cursor if newest_first else tuple_(created, row) > cursor]

    stmt = select(GalleryImage).where(*filtered(dialect, owner_id, f))
    created_at, row_id = GalleryImage.created_at, GalleryImage.id
    if f.tag_ids:
        lead = aliased(ImageTag, name="lead_tag")
        stmt = stmt.join(lead, lead.image_id == GalleryImage.id).where(
            lead.owner_id == owner_id, lead.tag_id == f.tag_ids[0]
        )
        created_at, row_id = lead.created_at, lead.image_id
        for tag_id in f.tag_ids[1:]:
            other = aliased(ImageTag)
            stmt = stmt.where(
                exists().where(
                    other.owner_id == owner_id,
                    other.tag_id == tag_id,
                    other.created_at == lead.created_at,
                    other.image_id == lead.image_id,
                    *past_cursor(other.created_at, other.image_id),
                )
            )
    stmt = stmt.where(*past_cursor(created_at, row_id))
    order = (created_at.desc(), row_id.desc()) if newest_first else (created_at.asc(), row_id.asc())
    return stmt.order_by(*order).limit(limit)


async def list_images(
    session: AsyncSession,
    owner_id: uuid.UUID,
    f: ImageFilter,
    *,
    newest_first: bool,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
) -> Sequence[GalleryImage]:
    stmt = list_statement(_dialect(session), owner_id, f, newest_first=newest_first, limit=limit, after=after)
    return (await session.execute(stmt)).scalars().all()


async def get_own(session: AsyncSession, owner_id: uuid.UUID, image_id: uuid.UUID) -> GalleryImage | None:
    stmt = select(GalleryImage).where(GalleryImage.id == image_id, GalleryImage.owner_id == owner_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_own_many(session: AsyncSession, owner_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> Sequence[GalleryImage]:
    stmt = (
        select(GalleryImage)
        .where(GalleryImage.owner_id == owner_id, GalleryImage.id.in_(list(ids)))
        .order_by(GalleryImage.created_at.desc(), GalleryImage.id.desc())
    )
    return (await session.execute(stmt)).scalars().all()


async def tags_of(session: AsyncSession, image_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Tag]]:
    out: dict[uuid.UUID, list[Tag]] = {i: [] for i in image_ids}
    if not image_ids:
        return out
    stmt = (
        select(ImageTag.image_id, Tag)
        .join(Tag, Tag.id == ImageTag.tag_id)
        .where(ImageTag.image_id.in_(list(image_ids)))
        .order_by(Tag.name)
    )
    for image_id, tag in (await session.execute(stmt)).all():
        out[image_id].append(tag)
    return out


async def insert_new(session: AsyncSession, rows: list[dict[str, Any]]) -> list[uuid.UUID]:
    """Insert images whose id is not stored yet; existing ones stay as they are. Returns the new ids."""
    if not rows:
        return []
    insert = postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert
    stmt = insert(GalleryImage).values(rows).on_conflict_do_nothing(index_elements=["id"]).returning(GalleryImage.id)
    return list((await session.execute(stmt)).scalars().all())


async def deleted_among(session: AsyncSession, image_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these ids have a tombstone."""
    if not image_ids:
        return set()
    stmt = select(DeletedImage.id).where(DeletedImage.id.in_(list(image_ids)))
    return set((await session.execute(stmt)).scalars().all())


async def remove_deleted(session: AsyncSession, image_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    """Delete those of these images that have a tombstone (records only: their objects are gone already)."""
    if not image_ids:
        return []
    stmt = (
        delete(GalleryImage)
        .where(GalleryImage.id.in_(list(image_ids)), GalleryImage.id.in_(select(DeletedImage.id)))
        .returning(GalleryImage.id)
        .execution_options(synchronize_session=False)
    )
    return list((await session.execute(stmt)).scalars().all())


async def update_images(session: AsyncSession, owner_id: uuid.UUID, ids: Sequence[uuid.UUID], **values: Any) -> int:
    stmt = (
        update(GalleryImage)
        .where(GalleryImage.owner_id == owner_id, GalleryImage.id.in_(list(ids)))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(stmt)
    return int(getattr(result, "rowcount", 0))


async def add_tags(session: AsyncSession, images: Sequence[GalleryImage], tag_ids: Sequence[uuid.UUID]) -> None:
    """Link every image to every tag; links that exist are kept (both already checked as the caller's)."""
    if not images or not tag_ids:
        return
    insert = postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert
    rows = [
        {"image_id": i.id, "tag_id": t, "owner_id": i.owner_id, "created_at": i.created_at}
        for i in images
        for t in tag_ids
    ]
    await session.execute(insert(ImageTag).values(rows).on_conflict_do_nothing())


async def remove_tags(session: AsyncSession, image_ids: Sequence[uuid.UUID], tag_ids: Sequence[uuid.UUID]) -> None:
    if image_ids and tag_ids:
        await session.execute(
            delete(ImageTag).where(ImageTag.image_id.in_(list(image_ids)), ImageTag.tag_id.in_(list(tag_ids)))
        )


async def clear_tags(session: AsyncSession, image_ids: Sequence[uuid.UUID]) -> None:
    if image_ids:
        await session.execute(delete(ImageTag).where(ImageTag.image_id.in_(list(image_ids))))


async def export_keys(session: AsyncSession, image_ids: Sequence[uuid.UUID]) -> list[str]:
    if not image_ids:
        return []
    stmt = select(ImageExport.key).where(ImageExport.image_id.in_(list(image_ids)))
    return list((await session.execute(stmt)).scalars().all())


async def delete_images(
    session: AsyncSession, owner_id: uuid.UUID, image_ids: Sequence[uuid.UUID], now: datetime
) -> None:
    """The records, their tag links, export records, overlays, campaign links and review threads, leaving a
    tombstone for each image (the caller removes the objects after commit)."""
    ids = list(image_ids)
    if not ids:
        return
    for table in (ImageTag, ImageOverlay, CampaignImage, ImageComment):
        await session.execute(delete(table).where(table.image_id.in_(ids)))
    await session.execute(delete(ImageExport).where(ImageExport.image_id.in_(ids)))
    deleted = (
        (
            await session.execute(
                delete(GalleryImage)
                .where(GalleryImage.owner_id == owner_id, GalleryImage.id.in_(ids))
                .returning(GalleryImage.id)
                .execution_options(synchronize_session=False)
            )
        )
        .scalars()
        .all()
    )
    session.add_all([DeletedImage(id=i, deleted_at=now) for i in deleted])
    await session.flush()


# ---- sidebar ------------------------------------------------------------------------------------


async def totals(session: AsyncSession, owner_id: uuid.UUID) -> tuple[int, int, int]:
    """(all images, favourites, unfiled)."""
    stmt = select(
        func.count(),
        func.coalesce(func.sum(case((GalleryImage.favorite.is_(True), 1), else_=0)), 0),
        func.coalesce(func.sum(case((GalleryImage.folder_id.is_(None), 1), else_=0)), 0),
    ).where(GalleryImage.owner_id == owner_id)
    total, favorites, unfiled = (await session.execute(stmt)).one()
    return int(total), int(favorites), int(unfiled)


async def counts_by_folder(session: AsyncSession, owner_id: uuid.UUID) -> dict[uuid.UUID, int]:
    stmt = (
        select(GalleryImage.folder_id, func.count())
        .where(GalleryImage.owner_id == owner_id, GalleryImage.folder_id.is_not(None))
        .group_by(GalleryImage.folder_id)
    )
    return {folder_id: int(n) for folder_id, n in (await session.execute(stmt)).all() if folder_id is not None}


async def counts_by_review_status(session: AsyncSession, owner_id: uuid.UUID) -> dict[str, int]:
    stmt = (
        select(GalleryImage.review_status, func.count())
        .where(GalleryImage.owner_id == owner_id)
        .group_by(GalleryImage.review_status)
    )
    return {status: int(n) for status, n in (await session.execute(stmt)).all()}


async def counts_by_tag(session: AsyncSession, owner_id: uuid.UUID) -> dict[uuid.UUID, int]:
    stmt = select(ImageTag.tag_id, func.count()).where(ImageTag.owner_id == owner_id).group_by(ImageTag.tag_id)
    return {tag_id: int(n) for tag_id, n in (await session.execute(stmt)).all()}


# ---- folders and tags as seen from images ---------------------------------------------------------


async def move_folder_contents(
    session: AsyncSession, owner_id: uuid.UUID, from_ids: Sequence[uuid.UUID], to_id: uuid.UUID | None, now: datetime
) -> None:
    await session.execute(
        update(GalleryImage)
        .where(GalleryImage.owner_id == owner_id, GalleryImage.folder_id.in_(list(from_ids)))
        .values(folder_id=to_id, updated_at=now)
        .execution_options(synchronize_session=False)
    )


# ---- reconciler ---------------------------------------------------------------------------------


async def originals(session: AsyncSession, ingested_before: datetime) -> Sequence[tuple[uuid.UUID, str, bool]]:
    stmt = select(GalleryImage.id, GalleryImage.png_key, GalleryImage.original_missing).where(
        GalleryImage.ingested_at < ingested_before
    )
    return [(i, k, m) for i, k, m in (await session.execute(stmt)).all()]


async def set_original_missing(session: AsyncSession, image_ids: Sequence[uuid.UUID], missing: bool) -> None:
    ids = list(image_ids)
    for start in range(0, len(ids), 500):
        await session.execute(
            update(GalleryImage)
            .where(GalleryImage.id.in_(ids[start : start + 500]))
            .values(original_missing=missing)
            .execution_options(synchronize_session=False)
        )
