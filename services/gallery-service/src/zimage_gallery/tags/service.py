"""Tags: created on first use, renamed, merged, deleted. Always the caller's own."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.db import utcnow
from zimage_common.errors import Conflict, NotFound, Unprocessable

from zimage_gallery.images.pagination import decode_cursor, encode_cursor
from zimage_gallery.tags import repository as repo
from zimage_gallery.tags.models import Tag

MAX_TAGS_PER_REQUEST = 50


class TagNotFound(NotFound):
    code = "TagNotFound"


class TagNameTaken(Conflict):
    code = "TagNameTaken"


async def get_own(session: AsyncSession, owner_id: uuid.UUID, tag_id: uuid.UUID) -> Tag:
    tag = await repo.get_own(session, owner_id, tag_id)
    if tag is None:  # another user's tag looks exactly like a missing one
        raise TagNotFound("No such tag")
    return tag


async def list_own(
    session: AsyncSession, owner_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[Sequence[Tag], str | None]:
    after = decode_cursor(cursor) if cursor else None
    rows = list(await repo.list_tags(session, owner_id, limit + 1, after))
    next_cursor = encode_cursor(rows[limit - 1].created_at, rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


async def ensure(session: AsyncSession, owner_id: uuid.UUID, names: Sequence[str]) -> list[Tag]:
    """The caller's tags with these (normalised) names, created where missing, in the order given."""
    unique = list(dict.fromkeys(names))
    if len(unique) > MAX_TAGS_PER_REQUEST:
        raise Unprocessable(f"at most {MAX_TAGS_PER_REQUEST} tags at once")
    existing = {t.name: t for t in await repo.by_names(session, owner_id, unique)}
    missing = [n for n in unique if n not in existing]
    if missing:
        await repo.create_missing(session, owner_id, missing, utcnow())
        existing = {t.name: t for t in await repo.by_names(session, owner_id, unique)}
    return [existing[n] for n in unique]


async def create(session: AsyncSession, owner_id: uuid.UUID, name: str) -> Tag:
    return (await ensure(session, owner_id, [name]))[0]


async def rename(session: AsyncSession, owner_id: uuid.UUID, tag_id: uuid.UUID, name: str) -> Tag:
    tag = await get_own(session, owner_id, tag_id)
    if name == tag.name:
        return tag
    if await repo.by_names(session, owner_id, [name]):
        raise TagNameTaken(f"You already have a tag named {name!r}; merge the two instead")
    await repo.rename(session, tag.id, name)
    tag.name = name
    return tag


async def merge(session: AsyncSession, owner_id: uuid.UUID, tag_id: uuid.UUID, into_id: uuid.UUID) -> Tag:
    source = await get_own(session, owner_id, tag_id)
    try:
        target = await get_own(session, owner_id, into_id)
    except TagNotFound as exc:  # say which of the two ids is wrong
        raise TagNotFound("No such tag to merge into") from exc
    if source.id == target.id:
        raise Unprocessable("a tag cannot be merged into itself")
    await repo.merge(session, owner_id, source.id, target.id)
    return target


async def delete(session: AsyncSession, owner_id: uuid.UUID, tag_id: uuid.UUID) -> None:
    tag = await get_own(session, owner_id, tag_id)
    await repo.delete_tag(session, owner_id, tag.id)
