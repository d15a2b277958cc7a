"""Brand kits: administrators manage them (every change audited), everyone reads and uses them; fonts and logos
are validated by loading them before anything is stored; a kit's prompt guidance applied to a prompt."""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence
from typing import Any

import regex
import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.audit import AdminAction, changes
from zimage_common.db import after_commit, utcnow
from zimage_common.errors import Conflict, NotFound, PayloadTooLarge, Unprocessable
from zimage_common.objects import ObjectStore

from zimage_gallery.brand_kits import repository as repo
from zimage_gallery.brand_kits.models import BrandKit, BrandKitFont, BrandKitLogo
from zimage_gallery.brand_kits.schemas import (
    MAX_FONT_BYTES,
    MAX_LOGO_BYTES,
    BrandColour,
    BrandGuidance,
    BrandKitCreate,
    BrandKitFontOut,
    BrandKitLogoOut,
    BrandKitOut,
    BrandKitPage,
    BrandKitUpdate,
)
from zimage_gallery.config import Settings
from zimage_gallery.images.pagination import decode_cursor, encode_cursor
from zimage_gallery.overlays.fonts import load_font
from zimage_gallery.overlays.logos import load_logo
from zimage_gallery.templates.schemas import MAX_PROMPT
from zimage_gallery.templates.service import tidy

log = structlog.get_logger("zimage.gallery.brand_kits")

KEY_PREFIX = "brand-kits/"
EMPTY_BRACKETS = regex.compile(r"[(\[{]\s*[)\]}]")
MAX_FILES_PER_KIT = 20  # fonts, and again logos


class BrandKitNotFound(NotFound):
    code = "BrandKitNotFound"


class BrandKitFileNotFound(NotFound):
    code = "BrandKitFileNotFound"


class BrandKitNameTaken(Conflict):
    code = "BrandKitNameTaken"


class FileTooLarge(PayloadTooLarge):
    code = "FileTooLarge"


def kit_prefix(kit_id: uuid.UUID) -> str:
    return f"{KEY_PREFIX}{kit_id}/"


def font_key(kit_id: uuid.UUID, font_id: uuid.UUID, ext: str) -> str:
    return f"{kit_prefix(kit_id)}fonts/{font_id}.{ext}"


def logo_key(kit_id: uuid.UUID, logo_id: uuid.UUID) -> str:
    return f"{kit_prefix(kit_id)}logos/{logo_id}.png"


# ---- reading ------------------------------------------------------------------------------------


async def get(session: AsyncSession, kit_id: uuid.UUID) -> BrandKit:
    kit = await repo.get(session, kit_id)
    if kit is None:
        raise BrandKitNotFound("No such brand kit")
    return kit


async def to_out(
    session: AsyncSession, store: ObjectStore, settings: Settings, kits: Sequence[BrandKit]
) -> list[BrandKitOut]:
    ids = [k.id for k in kits]
    fonts, logos = await repo.fonts_of(session, ids), await repo.logos_of(session, ids)
    out = []
    for kit in kits:
        out.append(
            BrandKitOut(
                id=kit.id,
                name=kit.name,
                colours=[BrandColour.model_validate(c) for c in kit.colours],
                style_words=kit.style_words,
                avoid_words=kit.avoid_words,
                default_font_id=kit.default_font_id,
                fonts=[font_out(f) for f in fonts[kit.id]],
                logos=[await logo_out(store, settings, lg) for lg in logos[kit.id]],
                created_by=kit.created_by,
                created_at=kit.created_at,
                updated_at=kit.updated_at,
            )
        )
    return out


def font_out(font: BrandKitFont) -> BrandKitFontOut:
    return BrandKitFontOut(
        id=font.id, family=font.family, style=font.style, key=font.key, bytes=font.bytes, created_at=font.created_at
    )


async def logo_out(store: ObjectStore, settings: Settings, logo: BrandKitLogo) -> BrandKitLogoOut:
    return BrandKitLogoOut(
        id=logo.id,
        width=logo.width,
        height=logo.height,
        content_type=logo.content_type,
        url=await store.signed_url(logo.key, settings.signed_url_seconds),
        created_at=logo.created_at,
    )


async def page(session: AsyncSession, *, limit: int, cursor: str | None) -> tuple[list[BrandKit], str | None]:
    after = decode_cursor(cursor) if cursor else None
    rows = list(await repo.list_kits(session, limit=limit + 1, after=after))
    kits = rows[:limit]
    return kits, encode_cursor(kits[-1].created_at, kits[-1].id) if len(rows) > limit else None


async def list_page(
    session: AsyncSession, store: ObjectStore, settings: Settings, *, limit: int, cursor: str | None
) -> BrandKitPage:
    kits, next_cursor = await page(session, limit=limit, cursor=cursor)
    return BrandKitPage(items=await to_out(session, store, settings, kits), next_cursor=next_cursor)


# ---- administration -----------------------------------------------------------------------------


def _snapshot(kit: BrandKit) -> dict[str, Any]:
    return {
        "name": kit.name,
        "colours": kit.colours,
        "style_words": kit.style_words,
        "avoid_words": kit.avoid_words,
        "default_font_id": str(kit.default_font_id) if kit.default_font_id else None,
    }


async def _flush_unique_name(session: AsyncSession, name: str) -> None:
    """Two administrators naming two kits alike at once: the unique index decides, the loser gets 409."""
    try:
        await session.flush()
    except IntegrityError as exc:
        raise BrandKitNameTaken(f"A brand kit named {name!r} exists already") from exc


async def _check_name_free(session: AsyncSession, name: str, kit_id: uuid.UUID | None = None) -> None:
    other = await repo.get_by_name(session, name)
    if other is not None and other.id != kit_id:
        raise BrandKitNameTaken(f"A brand kit named {name!r} exists already")


async def create(session: AsyncSession, trail: AdminAction, body: BrandKitCreate) -> BrandKit:
    await _check_name_free(session, body.name)
    now = utcnow()
    kit = BrandKit(
        id=uuid.uuid4(),
        name=body.name,
        colours=[c.model_dump(mode="json") for c in body.colours],
        style_words=list(body.style_words),
        avoid_words=list(body.avoid_words),
        default_font_id=None,
        created_by=trail.principal.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(kit)
    await _flush_unique_name(session, kit.name)
    await trail.record("brand_kit.create", "brand_kit", kit.id, _snapshot(kit))
    return kit


async def update(session: AsyncSession, trail: AdminAction, kit_id: uuid.UUID, body: BrandKitUpdate) -> BrandKit:
    kit = await get(session, kit_id)
    sent = body.model_dump(exclude_unset=True, mode="json")
    for field in ("name", "colours", "style_words", "avoid_words"):
        if field in sent and sent[field] is None:
            raise Unprocessable(f"{field}: cannot be null")
    style_words = sent.get("style_words", kit.style_words)
    avoid_words = sent.get("avoid_words", kit.avoid_words)
    both = {w.casefold() for w in style_words} & {w.casefold() for w in avoid_words}
    if both:
        raise Unprocessable(f"a word cannot be both a style word and an avoid word: {', '.join(sorted(both))}")
    if "name" in sent:
        await _check_name_free(session, sent["name"], kit.id)
    font_id = body.default_font_id
    if font_id is not None and await repo.get_font(session, kit.id, font_id) is None:
        raise Unprocessable("default_font_id: not a font of this brand kit; upload it first")
    before = _snapshot(kit)
    for field, value in sent.items():
        setattr(kit, field, uuid.UUID(value) if field == "default_font_id" and value else value)
    kit.updated_at = utcnow()
    await _flush_unique_name(session, kit.name)
    await trail.record("brand_kit.update", "brand_kit", kit.id, {"name": kit.name, **changes(before, _snapshot(kit))})
    return kit


def _remove_after_commit(
    session: AsyncSession, store: ObjectStore, *, keys: Sequence[str] = (), prefix: str = ""
) -> None:
    """Objects go once their records are gone for sure; one that fails to go is the reconciler's (P3)."""

    async def remove() -> None:
        try:
            for key in keys:
                await store.delete(key)
            if prefix:
                await store.delete_prefix(prefix)
        except Exception:
            log.warning("brand_kit_objects_delete_failed", keys=list(keys), prefix=prefix, exc_info=True)

    after_commit(session, remove)


async def delete(session: AsyncSession, store: ObjectStore, trail: AdminAction, kit_id: uuid.UUID) -> None:
    kit = await get(session, kit_id)
    await trail.record("brand_kit.delete", "brand_kit", kit.id, {"name": kit.name})
    await repo.delete_kit(session, kit)
    # the whole prefix: the kit's files, and any left by an upload whose record never committed
    _remove_after_commit(session, store, prefix=kit_prefix(kit.id))


async def _check_room(session: AsyncSession, kit: BrandKit, what: str) -> None:
    rows = await repo.fonts_of(session, [kit.id]) if what == "fonts" else await repo.logos_of(session, [kit.id])
    if len(rows[kit.id]) >= MAX_FILES_PER_KIT:
        raise Unprocessable(f"a brand kit holds at most {MAX_FILES_PER_KIT} {what}; delete one first")


def check_size(data_size: int, limit: int, what: str) -> None:
    if data_size > limit:
        raise FileTooLarge(f"{what} files may be at most {limit // (1024 * 1024)} MB")


async def add_font(
    session: AsyncSession, store: ObjectStore, trail: AdminAction, kit_id: uuid.UUID, data: bytes
) -> BrandKitFont:
    kit = await get(session, kit_id)
    check_size(len(data), MAX_FONT_BYTES, "font")
    await _check_room(session, kit, "fonts")
    font = load_font(data)  # InvalidFont (422) before anything is stored
    # stored unpacked (WOFF/WOFF2 become their TTF/OTF), as the renderer loads it
    ext = "otf" if font.data[:4] == b"OTTO" else "ttf"
    row = BrandKitFont(
        id=uuid.uuid4(),
        kit_id=kit.id,
        family=font.family[:200],
        style=font.style[:100],
        bytes=len(font.data),
        created_at=utcnow(),
    )
    row.key = font_key(kit.id, row.id, ext)
    await repo.add(session, row)
    detail = {"name": kit.name, "font_id": str(row.id), "family": row.family, "style": row.style}
    await trail.record("brand_kit.font_add", "brand_kit", kit.id, detail)
    # last, so a refused audit row or a failed insert leaves no object; a commit that fails after it leaves one
    # the reconciler removes
    await store.put(row.key, font.data, f"font/{ext}")
    return row


async def delete_font(
    session: AsyncSession, store: ObjectStore, trail: AdminAction, kit_id: uuid.UUID, font_id: uuid.UUID
) -> None:
    kit = await get(session, kit_id)
    font = await repo.get_font(session, kit.id, font_id)
    if font is None:
        raise BrandKitFileNotFound("No such font in this brand kit")
    if kit.default_font_id == font.id:
        kit.default_font_id = None
        kit.updated_at = utcnow()
    await trail.record("brand_kit.font_delete", "brand_kit", kit.id, {"name": kit.name, "font_id": str(font.id)})
    await repo.remove(session, font)
    _remove_after_commit(session, store, keys=[font.key])


async def add_logo(
    session: AsyncSession,
    store: ObjectStore,
    trail: AdminAction,
    kit_id: uuid.UUID,
    data: bytes,
    content_type: str,
) -> BrandKitLogo:
    kit = await get(session, kit_id)
    check_size(len(data), MAX_LOGO_BYTES, "logo")
    await _check_room(session, kit, "logos")
    logo = load_logo(data, content_type)  # InvalidLogo (422) before anything is stored
    # stored as the renderer draws it: RGBA PNG, at most 1024 px on its long side (an SVG rasterised)
    png = io.BytesIO()
    logo.save(png, "PNG")
    row = BrandKitLogo(
        id=uuid.uuid4(),
        kit_id=kit.id,
        width=logo.width,
        height=logo.height,
        content_type="image/png",
        created_at=utcnow(),
    )
    row.key = logo_key(kit.id, row.id)
    await repo.add(session, row)
    detail = {"name": kit.name, "logo_id": str(row.id), "width": row.width, "height": row.height}
    await trail.record("brand_kit.logo_add", "brand_kit", kit.id, detail)
    await store.put(row.key, png.getvalue(), "image/png")
    return row


async def delete_logo(
    session: AsyncSession, store: ObjectStore, trail: AdminAction, kit_id: uuid.UUID, logo_id: uuid.UUID
) -> None:
    kit = await get(session, kit_id)
    logo = await repo.get_logo(session, kit.id, logo_id)
    if logo is None:
        raise BrandKitFileNotFound("No such logo in this brand kit")
    await trail.record("brand_kit.logo_delete", "brand_kit", kit.id, {"name": kit.name, "logo_id": str(logo.id)})
    await repo.remove(session, logo)
    _remove_after_commit(session, store, keys=[logo.key])


# ---- prompt guidance ----------------------------------------------------------------------------


def _phrase(word: str) -> regex.Pattern[str]:
    """A word or phrase as whole words (letters, digits and Hangul around it end a match), any case, any
    whitespace between its words."""
    body = r"\s+".join(regex.escape(part) for part in word.split())
    return regex.compile(rf"(?<![\w]){body}(?![\w])", regex.IGNORECASE | regex.UNICODE)


def _tidy(prompt: str) -> str:
    """Also close the brackets a removed word leaves empty: "(네온)" -> "()"."""
    return tidy(EMPTY_BRACKETS.sub(" ", prompt))


def apply_guidance(
    prompt: str, style_words: Sequence[str], avoid_words: Sequence[str]
) -> tuple[str, list[str], list[str]]:
    """(prompt, style words added, avoid words removed): the avoid words go first, then each style word the
    prompt does not already say is appended, then the gaps are tidied. A prompt the kit has nothing to do to
    comes back exactly as written."""
    removed: list[str] = []
    for word in avoid_words:
        pattern = _phrase(word)
        if pattern.search(prompt):
            prompt = pattern.sub(" ", prompt)
            removed.append(word)
    added = [w for w in dict.fromkeys(style_words) if not _phrase(w).search(prompt)]
    if not added and not removed:
        return prompt, added, removed
    prompt = _tidy(prompt)
    if added:
        prompt = _tidy(", ".join([prompt.rstrip(" ,.;:"), *added]))
    return prompt, added, removed


async def apply(session: AsyncSession, kit_id: uuid.UUID, prompt: str) -> BrandGuidance:
    kit = await get(session, kit_id)
    result, added, removed = apply_guidance(prompt, kit.style_words, kit.avoid_words)
    if not result:
        raise Unprocessable("the prompt is empty once the brand kit's avoid words are removed")
    if len(result) > MAX_PROMPT:
        raise Unprocessable(
            f"the prompt with brand kit {kit.name!r}'s style words is {len(result)} characters; the limit is "
            f"{MAX_PROMPT}: shorten the prompt"
        )
    return BrandGuidance(
        prompt=result,
        style_words_added=added,
        avoid_words_removed=removed,
        brand_kit_id=kit.id,
        brand_kit_name=kit.name,
    )
