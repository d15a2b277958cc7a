"""Prompt presets: built-ins everyone reads, personal ones only their owner sees and changes."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.db import utcnow
from zimage_common.errors import Forbidden, NotFound
from zimage_common.tokens import Principal

from zimage_gallery.images.pagination import decode_cursor, encode_cursor
from zimage_gallery.presets import repository as repo
from zimage_gallery.presets.models import PresetCategory, PromptPreset
from zimage_gallery.presets.schemas import PresetCreate, PresetOut, PresetPage, PresetUpdate


class PresetNotFound(NotFound):
    code = "PresetNotFound"


class PresetReadOnly(Forbidden):
    code = "PresetReadOnly"


def to_out(preset: PromptPreset, principal: Principal) -> PresetOut:
    return PresetOut(
        id=preset.id,
        owner_id=preset.owner_id,
        scope="builtin" if preset.owner_id is None else "personal",
        category=PresetCategory(preset.category),
        label_ko=preset.label_ko,
        label_en=preset.label_en,
        snippet=preset.snippet,
        editable=preset.owner_id == principal.user_id,
        created_at=preset.created_at,
        updated_at=preset.updated_at,
    )


async def get_visible(session: AsyncSession, principal: Principal, preset_id: uuid.UUID) -> PromptPreset:
    preset = await repo.get_visible(session, principal.user_id, preset_id)
    if preset is None:  # someone else's preset looks exactly like a missing one
        raise PresetNotFound("No such preset")
    return preset


async def get_own(session: AsyncSession, principal: Principal, preset_id: uuid.UUID) -> PromptPreset:
    preset = await get_visible(session, principal, preset_id)
    if preset.owner_id is None:
        raise PresetReadOnly("Built-in presets are read-only; add a personal preset to use your own wording")
    return preset


async def list_visible(
    session: AsyncSession,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    category: str | None,
    scope: str | None,
) -> PresetPage:
    after = decode_cursor(cursor) if cursor else None
    builtin = None if scope is None else scope == "builtin"
    rows = await repo.list_visible(
        session, principal.user_id, limit=limit + 1, after=after, category=category, builtin=builtin
    )
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1].created_at, page[-1].id) if len(rows) > limit else None
    return PresetPage(items=[to_out(p, principal) for p in page], next_cursor=next_cursor)


async def create(session: AsyncSession, principal: Principal, body: PresetCreate) -> PromptPreset:
    assert body.label_ko and body.label_en  # the schema fills one from the other
    now = utcnow()
    preset = PromptPreset(
        id=uuid.uuid4(),
        owner_id=principal.user_id,
        category=body.category,
        label_ko=body.label_ko,
        label_en=body.label_en,
        snippet=body.snippet,
        created_at=now,
        updated_at=now,
    )
    await repo.add(session, preset)
    return preset


async def update(session: AsyncSession, principal: Principal, preset_id: uuid.UUID, body: PresetUpdate) -> PromptPreset:
    preset = await get_own(session, principal, preset_id)
    for field, value in body.model_dump(exclude_unset=True).items():
        setattr(preset, field, value)
    preset.updated_at = utcnow()
    await session.flush()
    return preset


async def delete(session: AsyncSession, principal: Principal, preset_id: uuid.UUID) -> None:
    await repo.delete(session, await get_own(session, principal, preset_id))
