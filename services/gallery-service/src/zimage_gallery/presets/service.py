"""Prompt presets: built-ins and shared ones everyone reads (admins change shared ones), personal ones only their
owner sees and changes."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.audit import AdminAction
from zimage_common.db import utcnow
from zimage_common.errors import Forbidden, NotFound
from zimage_common.tokens import Principal

from zimage_gallery.images.pagination import decode_cursor, encode_cursor
from zimage_gallery.presets import repository as repo
from zimage_gallery.presets.models import PresetCategory, PresetScope, PromptPreset
from zimage_gallery.presets.schemas import PresetCreate, PresetOut, PresetPage, PresetUpdate


class PresetNotFound(NotFound):
    code = "PresetNotFound"


class PresetReadOnly(Forbidden):
    code = "PresetReadOnly"


def can_edit(preset: PromptPreset, principal: Principal) -> bool:
    if preset.scope == PresetScope.personal:
        return preset.owner_id == principal.user_id
    return preset.scope == PresetScope.shared and principal.is_admin


def to_out(preset: PromptPreset, principal: Principal) -> PresetOut:
    return PresetOut(
        id=preset.id,
        owner_id=preset.owner_id,
        scope=PresetScope(preset.scope),
        category=PresetCategory(preset.category),
        label_ko=preset.label_ko,
        label_en=preset.label_en,
        snippet=preset.snippet,
        editable=can_edit(preset, principal),
        created_at=preset.created_at,
        updated_at=preset.updated_at,
    )


async def get_visible(session: AsyncSession, principal: Principal, preset_id: uuid.UUID) -> PromptPreset:
    preset = await repo.get_visible(session, principal.user_id, preset_id)
    if preset is None:  # someone else's preset looks exactly like a missing one
        raise PresetNotFound("No such preset")
    return preset


async def get_editable(session: AsyncSession, principal: Principal, preset_id: uuid.UUID) -> PromptPreset:
    preset = await get_visible(session, principal, preset_id)
    if preset.scope == PresetScope.builtin:
        raise PresetReadOnly("Built-in presets are read-only; add a personal preset to use your own wording")
    if not can_edit(preset, principal):
        raise PresetReadOnly("Only administrators can change shared presets")
    return preset


async def _audit(trail: AdminAction, action: str, preset: PromptPreset, detail: dict[str, Any]) -> None:
    """Shared presets are the team's: changing one is an admin action."""
    if preset.scope == PresetScope.shared:
        await trail.record(action, "preset", preset.id, detail)


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
    rows = await repo.list_visible(
        session, principal.user_id, limit=limit + 1, after=after, category=category, scope=scope
    )
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1].created_at, page[-1].id) if len(rows) > limit else None
    return PresetPage(items=[to_out(p, principal) for p in page], next_cursor=next_cursor)


async def create(session: AsyncSession, trail: AdminAction, body: PresetCreate) -> PromptPreset:
    principal = trail.principal
    if body.scope == PresetScope.shared and not principal.is_admin:
        raise PresetReadOnly("Only administrators can create shared presets; create a personal one instead")
    assert body.label_ko and body.label_en  # the schema fills one from the other
    now = utcnow()
    preset = PromptPreset(
        id=uuid.uuid4(),
        owner_id=principal.user_id if body.scope == PresetScope.personal else None,
        scope=body.scope,
        category=body.category,
        label_ko=body.label_ko,
        label_en=body.label_en,
        snippet=body.snippet,
        created_at=now,
        updated_at=now,
    )
    await repo.add(session, preset)
    await _audit(trail, "preset.create", preset, {"label": preset.label_en})
    return preset


async def update(session: AsyncSession, trail: AdminAction, preset_id: uuid.UUID, body: PresetUpdate) -> PromptPreset:
    preset = await get_editable(session, trail.principal, preset_id)
    changes = body.model_dump(exclude_unset=True)
    for field, value in changes.items():
        setattr(preset, field, value)
    preset.updated_at = utcnow()
    await session.flush()
    await _audit(trail, "preset.update", preset, {"label": preset.label_en, "fields": sorted(changes)})
    return preset


async def delete(session: AsyncSession, trail: AdminAction, preset_id: uuid.UUID) -> None:
    preset = await get_editable(session, trail.principal, preset_id)
    await _audit(trail, "preset.delete", preset, {"label": preset.label_en})
    await repo.delete(session, preset)
