from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from zimage_common.auth import CurrentUser
from zimage_common.db import SessionDep
from zimage_common.errors import Unauthorized, Unprocessable, error_responses
from zimage_common.pagination import CursorQuery

from zimage_gallery.images.pagination import InvalidCursor
from zimage_gallery.tags import service
from zimage_gallery.tags.schemas import TagCreate, TagMerge, TagOut, TagPage, TagRename

router = APIRouter(prefix="/api/v1/gallery/tags", tags=["tags"])


def _out(tag: object) -> TagOut:
    return TagOut.model_validate(tag, from_attributes=True)


@router.get(
    "", operation_id="gallery_tags_list", response_model=TagPage, responses=error_responses(Unauthorized, InvalidCursor)
)
async def list_tags(
    session: SessionDep,
    principal: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    cursor: CursorQuery = None,
) -> TagPage:
    tags, next_cursor = await service.list_own(session, principal.user_id, limit, cursor)
    return TagPage(items=[_out(t) for t in tags], next_cursor=next_cursor)


@router.post(
    "",
    status_code=201,
    operation_id="gallery_tags_create",
    response_model=TagOut,
    responses=error_responses(Unauthorized),
)
async def create_tag(body: TagCreate, session: SessionDep, principal: CurrentUser) -> TagOut:
    """Create a tag (or return the one with this name). Tagging an image creates its tags too."""
    return _out(await service.create(session, principal.user_id, body.name))


@router.patch(
    "/{tag_id}",
    operation_id="gallery_tags_rename",
    response_model=TagOut,
    responses=error_responses(Unauthorized, service.TagNotFound, service.TagNameTaken),
)
async def rename_tag(tag_id: uuid.UUID, body: TagRename, session: SessionDep, principal: CurrentUser) -> TagOut:
    return _out(await service.rename(session, principal.user_id, tag_id, body.name))


@router.post(
    "/{tag_id}/merge",
    operation_id="gallery_tags_merge",
    response_model=TagOut,
    responses=error_responses(Unauthorized, service.TagNotFound, Unprocessable),
)
async def merge_tag(tag_id: uuid.UUID, body: TagMerge, session: SessionDep, principal: CurrentUser) -> TagOut:
    """Move this tag's images to `into` and remove this tag; answers the tag that remains."""
    return _out(await service.merge(session, principal.user_id, tag_id, body.into))


@router.delete(
    "/{tag_id}",
    status_code=204,
    operation_id="gallery_tags_delete",
    responses=error_responses(Unauthorized, service.TagNotFound),
)
async def delete_tag(tag_id: uuid.UUID, session: SessionDep, principal: CurrentUser) -> Response:
    """Remove the tag from every image and delete it; the images stay."""
    await service.delete(session, principal.user_id, tag_id)
    return Response(status_code=204)
