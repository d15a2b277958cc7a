"""All SQL for prompt templates."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from zimage_gallery.templates.models import Template, TemplateScope


def _visible_to(user_id: uuid.UUID) -> ColumnElement[bool]:
    return or_(
        Template.scope.in_([TemplateScope.builtin, TemplateScope.shared]),
        and_(Template.scope == TemplateScope.personal, Template.owner_id == user_id),
    )


async def get_visible(session: AsyncSession, user_id: uuid.UUID, template_id: uuid.UUID) -> Template | None:
    stmt = select(Template).where(Template.id == template_id, _visible_to(user_id))
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_visible(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
    category: str | None,
    scope: str | None,
    q: str | None,
) -> Sequence[Template]:
    stmt = select(Template).where(_visible_to(user_id))
    if category:
        stmt = stmt.where(Template.category == category)
    if scope:
        stmt = stmt.where(Template.scope == scope)
    if q:
        needle = q.lower()
        stmt = stmt.where(
            or_(
                *(
                    func.lower(column).contains(needle, autoescape=True)
                    for column in (Template.name_ko, Template.name_en, Template.description_ko, Template.description_en)
                )
            )
        )
    if after:
        created, template_id = after
        stmt = stmt.where(
            or_(Template.created_at > created, and_(Template.created_at == created, Template.id > template_id))
        )
    stmt = stmt.order_by(Template.created_at, Template.id).limit(limit)
    return (await session.execute(stmt)).scalars().all()


async def add(session: AsyncSession, template: Template) -> None:
    session.add(template)
    await session.flush()


async def delete(session: AsyncSession, template: Template) -> None:
    await session.delete(template)
    await session.flush()
