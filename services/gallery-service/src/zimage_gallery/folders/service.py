"""Folders: the caller's own, nested one level at most; deleting one moves its images elsewhere."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.db import utcnow
from zimage_common.errors import Conflict, NotFound, Unprocessable

from zimage_gallery.folders import repository as repo
from zimage_gallery.folders.models import Folder
from zimage_gallery.images import repository as images_repo
from zimage_gallery.images.pagination import decode_cursor, encode_cursor


class FolderNotFound(NotFound):
    code = "FolderNotFound"


class FolderTooDeep(Unprocessable):
    code = "FolderTooDeep"


class FolderNameTaken(Conflict):
    code = "FolderNameTaken"


async def get_own(session: AsyncSession, owner_id: uuid.UUID, folder_id: uuid.UUID) -> Folder:
    folder = await repo.get_own(session, owner_id, folder_id)
    if folder is None:  # another user's folder looks exactly like a missing one
        raise FolderNotFound("No such folder")
    return folder


async def list_own(
    session: AsyncSession, owner_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[Sequence[Folder], str | None]:
    after = decode_cursor(cursor) if cursor else None
    rows = list(await repo.list_folders(session, owner_id, limit + 1, after))
    next_cursor = encode_cursor(rows[limit - 1].created_at, rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


async def with_subfolders(
    session: AsyncSession, owner_id: uuid.UUID, folder_ids: Sequence[uuid.UUID]
) -> list[uuid.UUID]:
    """These folders and their subfolders (one level of nesting: a subfolder has none)."""
    return list(dict.fromkeys([*folder_ids, *await repo.child_ids(session, owner_id, folder_ids)]))


async def _check_name_free(session: AsyncSession, owner_id: uuid.UUID, parent_id: uuid.UUID | None, name: str) -> None:
    if await repo.sibling_named(session, owner_id, parent_id, name):
        raise FolderNameTaken(f"A folder named {name!r} already exists here")


async def create(session: AsyncSession, owner_id: uuid.UUID, name: str, parent_id: uuid.UUID | None) -> Folder:
    if parent_id is not None:
        parent = await get_own(session, owner_id, parent_id)
        if parent.parent_id is not None:
            raise FolderTooDeep("Folders nest one level: the parent must be a top-level folder")
    await _check_name_free(session, owner_id, parent_id, name)
    folder = Folder(id=uuid.uuid4(), owner_id=owner_id, parent_id=parent_id, name=name, created_at=utcnow())
    await repo.add(session, folder)
    return folder


async def rename(session: AsyncSession, owner_id: uuid.UUID, folder_id: uuid.UUID, name: str) -> Folder:
    folder = await get_own(session, owner_id, folder_id)
    if name != folder.name:
        await _check_name_free(session, owner_id, folder.parent_id, name)
        await repo.rename(session, folder.id, name)
        folder.name = name
    return folder


async def delete(session: AsyncSession, owner_id: uuid.UUID, folder_id: uuid.UUID, move_to: uuid.UUID | None) -> None:
    """Delete the folder and its subfolders; their images move to `move_to` (a folder of yours, or none)."""
    folder = await get_own(session, owner_id, folder_id)
    doomed = await with_subfolders(session, owner_id, [folder.id])
    if move_to is not None:
        await get_own(session, owner_id, move_to)
        if move_to in doomed:
            raise Unprocessable("move_to names the folder being deleted or one of its subfolders")
    await images_repo.move_folder_contents(session, owner_id, doomed, move_to, utcnow())
    await repo.delete_folders(session, owner_id, doomed)
