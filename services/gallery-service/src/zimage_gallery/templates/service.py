"""Prompt templates: who sees and changes which, pattern rules, and the one expansion both routes use."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.audit import AdminAction
from zimage_common.db import utcnow
from zimage_common.errors import Forbidden, NotFound, Unprocessable
from zimage_common.tokens import Principal

from zimage_gallery.images.pagination import decode_cursor, encode_cursor
from zimage_gallery.templates import repository as repo
from zimage_gallery.templates.models import Template, TemplateCategory, TemplateScope
from zimage_gallery.templates.schemas import (
    MAX_PROMPT,
    TemplateCreate,
    TemplateExpansion,
    TemplateOut,
    TemplatePage,
    TemplateUpdate,
    TemplateVariable,
)

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]{0,31})\}")


class TemplateNotFound(NotFound):
    code = "TemplateNotFound"


class TemplateReadOnly(Forbidden):
    code = "TemplateReadOnly"


# ---- patterns -------------------------------------------------------------------------------------


def placeholders(pattern: str) -> list[str]:
    """Variable names in the order the pattern first uses them."""
    return list(dict.fromkeys(PLACEHOLDER.findall(pattern)))


def check_definition(pattern: str, variables: Sequence[TemplateVariable]) -> None:
    """Every {name} in the pattern is declared and every declared variable is used."""
    rest = PLACEHOLDER.sub("", pattern)
    if "{" in rest or "}" in rest:
        raise Unprocessable(
            "pattern: braces are only for variables, written {name} with lowercase letters, digits and _ "
            "(e.g. {product})"
        )
    used = placeholders(pattern)
    declared = [v.name for v in variables]
    problems = []
    undeclared = [name for name in used if name not in declared]
    if undeclared:
        problems.append(f"pattern uses undeclared variables: {', '.join(undeclared)}")
    unused = [name for name in declared if name not in used]
    if unused:
        problems.append(f"declared variables not used in the pattern: {', '.join(unused)}")
    if problems:
        raise Unprocessable("; ".join(problems))


def _clean(value: str) -> str:
    """One line of text: control characters dropped, runs of whitespace made one space, ends trimmed."""
    printable = "".join(" " if unicodedata.category(c) == "Cc" else c for c in value)
    return " ".join(printable.split())


def tidy(prompt: str) -> str:
    """Close the gaps an empty optional variable or a removed word leaves (", ,", " ." and trailing commas)."""
    prompt = " ".join(prompt.split())
    prompt = re.sub(r"\s+([,.;:])", r"\1", prompt)
    prompt = re.sub(r"([,;])(?:\s*[,;])+", r"\1", prompt)
    return prompt.strip(" ,;")


def expand(pattern: str, variables: Sequence[Mapping[str, Any]], values: Mapping[str, str]) -> str:
    """Fill the pattern in one pass: a value is inserted as text and never read for further {names}."""
    declared = {spec["name"]: spec for spec in variables}
    problems = []
    unknown = [name for name in values if name not in declared]
    if unknown:
        problems.append(f"unknown template variables: {', '.join(unknown)}")
    filled: dict[str, str] = {}
    missing, too_long = [], []
    for name, spec in declared.items():
        value = _clean(values.get(name, "")) or (spec.get("default") or "")
        if not value and spec.get("required", True):
            missing.append(name)
        elif len(value) > spec.get("max_length", 100):
            too_long.append(f"{name} (at most {spec.get('max_length', 100)} characters)")
        filled[name] = value
    if missing:
        problems.append(f"missing template variables: {', '.join(missing)}")
    if too_long:
        problems.append(f"template variables too long: {', '.join(too_long)}")
    if problems:
        raise Unprocessable("; ".join(problems))
    prompt = tidy(PLACEHOLDER.sub(lambda m: filled[m.group(1)], pattern))
    if not prompt:
        raise Unprocessable("the expanded prompt is empty; fill in at least one variable")
    if len(prompt) > MAX_PROMPT:
        raise Unprocessable(f"the expanded prompt is {len(prompt)} characters; the limit is {MAX_PROMPT}")
    return prompt


# ---- access ---------------------------------------------------------------------------------------


def can_edit(template: Template, principal: Principal) -> bool:
    if template.scope == TemplateScope.personal:
        return template.owner_id == principal.user_id
    return template.scope == TemplateScope.shared and principal.is_admin


async def get_visible(session: AsyncSession, user_id: uuid.UUID, template_id: uuid.UUID) -> Template:
    template = await repo.get_visible(session, user_id, template_id)
    if template is None:  # someone else's personal template looks exactly like a missing one
        raise TemplateNotFound("No such template")
    return template


async def get_editable(session: AsyncSession, principal: Principal, template_id: uuid.UUID) -> Template:
    template = await get_visible(session, principal.user_id, template_id)
    if template.scope == TemplateScope.builtin:
        raise TemplateReadOnly("Built-in templates are read-only; create a personal template to change one")
    if not can_edit(template, principal):
        raise TemplateReadOnly("Only administrators can change shared templates")
    return template


def to_out(template: Template, principal: Principal) -> TemplateOut:
    return TemplateOut(
        id=template.id,
        owner_id=template.owner_id,
        scope=TemplateScope(template.scope),
        category=TemplateCategory(template.category),
        name_ko=template.name_ko,
        name_en=template.name_en,
        description_ko=template.description_ko,
        description_en=template.description_en,
        pattern=template.pattern,
        variables=[TemplateVariable.model_validate(v) for v in template.variables],
        default_preset=template.default_preset,
        editable=can_edit(template, principal),
        created_at=template.created_at,
        updated_at=template.updated_at,
    )


# ---- use cases ------------------------------------------------------------------------------------


async def list_visible(
    session: AsyncSession,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    category: str | None,
    scope: str | None,
    q: str | None,
) -> TemplatePage:
    after = decode_cursor(cursor) if cursor else None
    rows = await repo.list_visible(
        session, principal.user_id, limit=limit + 1, after=after, category=category, scope=scope, q=q
    )
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1].created_at, page[-1].id) if len(rows) > limit else None
    return TemplatePage(items=[to_out(t, principal) for t in page], next_cursor=next_cursor)


async def create(session: AsyncSession, trail: AdminAction, body: TemplateCreate) -> Template:
    principal = trail.principal
    if body.scope == TemplateScope.shared and not principal.is_admin:
        raise TemplateReadOnly("Only administrators can create shared templates; create a personal one instead")
    check_definition(body.pattern, body.variables)
    now = utcnow()
    assert body.name_ko and body.name_en  # the schema fills one from the other
    template = Template(
        id=uuid.uuid4(),
        owner_id=principal.user_id if body.scope == TemplateScope.personal else None,
        scope=body.scope,
        category=body.category,
        name_ko=body.name_ko,
        name_en=body.name_en,
        description_ko=body.description_ko,
        description_en=body.description_en,
        pattern=body.pattern,
        variables=[v.model_dump() for v in body.variables],
        default_preset=body.default_preset,
        created_at=now,
        updated_at=now,
    )
    await repo.add(session, template)
    await _audit(trail, "template.create", template, {"name": template.name_en})
    return template


async def _audit(trail: AdminAction, action: str, template: Template, detail: dict[str, Any]) -> None:
    """Shared templates are the team's: changing one is an admin action (personal ones are nobody's business)."""
    if template.scope == TemplateScope.shared:
        await trail.record(action, "template", template.id, detail)


async def update(session: AsyncSession, trail: AdminAction, template_id: uuid.UUID, body: TemplateUpdate) -> Template:
    template = await get_editable(session, trail.principal, template_id)
    changes = body.model_dump(exclude_unset=True)
    if "pattern" in changes or "variables" in changes:
        variables = (
            body.variables
            if body.variables is not None
            else [TemplateVariable.model_validate(v) for v in template.variables]
        )
        check_definition(body.pattern or template.pattern, variables)
    for field, value in changes.items():
        setattr(template, field, value)
    template.updated_at = utcnow()
    await session.flush()
    await _audit(trail, "template.update", template, {"name": template.name_en, "fields": sorted(changes)})
    return template


async def delete(session: AsyncSession, trail: AdminAction, template_id: uuid.UUID) -> None:
    template = await get_editable(session, trail.principal, template_id)
    await _audit(trail, "template.delete", template, {"name": template.name_en})
    await repo.delete(session, template)


async def expansion(
    session: AsyncSession, user_id: uuid.UUID, template_id: uuid.UUID, values: Mapping[str, str]
) -> TemplateExpansion:
    """The prompt a user's variables make of a template they can see (preview and image-service alike)."""
    template = await get_visible(session, user_id, template_id)
    return TemplateExpansion(
        template_id=template.id,
        name=template.name_en,
        name_ko=template.name_ko,
        prompt=expand(template.pattern, template.variables, values),
        preset=template.default_preset,
    )
