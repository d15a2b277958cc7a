from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from zimage_common.auth import CurrentUser
from zimage_common.db import SessionDep
from zimage_common.errors import Unauthorized, Unprocessable, error_responses
from zimage_common.pagination import CursorQuery

from zimage_gallery.folders import service
from zimage_gallery.folders.schemas import FolderCreate, FolderOut, FolderPage, FolderRename
from zimage_gallery.images.pagination import InvalidCursor

router = APIRouter(prefix="/api/v1/gallery/folders", tags=["folders"])


def _out(folder: object) -> FolderOut:
    return FolderOut.model_validate(folder, from_attributes=True)


@router.get(
    "",
    operation_id="gallery_folders_list",
    response_model=FolderPage,
    responses=error_responses(Unauthorized, InvalidCursor),
)
async def list_folders(
    session: SessionDep,
    principal: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    cursor: CursorQuery = None,
) -> FolderPage:
    folders, next_cursor = await service.list_own(session, principal.user_id, limit, cursor)
    return FolderPage(items=[_out(f) for f in folders], next_cursor=next_cursor)


@router.post(
    "",
    status_code=201,
    operation_id="gallery_folders_create",
    response_model=FolderOut,
    responses=error_responses(Unauthorized, service.FolderNotFound, service.FolderTooDeep, service.FolderNameTaken),
)
async def create_folder(body: FolderCreate, session: SessionDep, principal: CurrentUser) -> FolderOut:
    return _out(await service.create(session, principal.user_id, body.name, body.parent_id))


@router.patch(
    "/{folder_id}",
    operation_id="gallery_folders_rename",
    response_model=FolderOut,
    responses=error_responses(Unauthorized, service.FolderNotFound, service.FolderNameTaken),
)
async def rename_folder(
    folder_id: uuid.UUID, body: FolderRename, session: SessionDep, principal: CurrentUser
) -> FolderOut:
    return _out(await service.rename(session, principal.user_id, folder_id, body.name))


@router.delete(
    "/{folder_id}",
    status_code=204,
    operation_id="gallery_folders_delete",
    responses=error_responses(Unauthorized, service.FolderNotFound, Unprocessable),
)
async def delete_folder(
    folder_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentUser,
    move_to: Annotated[uuid.UUID | None, Query(description="Folder that receives the images; none: unfiled")] = None,
) -> Response:
    """Delete a folder and its subfolders. Their images are kept and move to `move_to` (or become unfiled)."""
    await service.delete(session, principal.user_id, folder_id, move_to)
    return Response(status_code=204)
