from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from zimage_common.auth import CurrentUser
from zimage_common.db import SessionDep
from zimage_common.errors import ServiceUnavailable, Unauthorized, error_responses
from zimage_common.pagination import CursorQuery, InvalidCursor
from zimage_common.sizes import PRESETS

from zimage_image.deps import BusDep, SettingsDep, StoreDep
from zimage_image.gallery_client import BrandKitNotFound, TemplateNotFound
from zimage_image.tasks import repository as repo
from zimage_image.tasks import service
from zimage_image.tasks.events import task_event_stream
from zimage_image.tasks.models import TaskStatus
from zimage_image.tasks.schemas import GenerateRequest, SizePresetPage, TaskOut, TaskPage, UsageOut

router = APIRouter(prefix="/api/v1", tags=["generation"])


@router.post(
    "/generate",
    status_code=202,
    operation_id="generate_create",
    response_model=TaskOut,
    responses=error_responses(
        Unauthorized, TemplateNotFound, BrandKitNotFound, service.QuotaExceeded, ServiceUnavailable
    ),
)
async def generate(
    body: GenerateRequest,
    session: SessionDep,
    principal: CurrentUser,
    settings: SettingsDep,
    bus: BusDep,
    store: StoreDep,
    request: Request,
) -> TaskOut:
    task = await service.submit(session, settings, bus, principal, body, gallery=request.app.state.gallery)
    request.app.state.relay.wake_after_commit(session)
    return await service.to_out(task, store, settings, position=await repo.queue_position(session, task))


@router.get(
    "/tasks",
    operation_id="tasks_list",
    response_model=TaskPage,
    responses=error_responses(Unauthorized, InvalidCursor),
)
async def list_tasks(
    session: SessionDep,
    principal: CurrentUser,
    settings: SettingsDep,
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: CursorQuery = None,
    status: Annotated[TaskStatus | None, Query()] = None,
) -> TaskPage:
    tasks, next_cursor = await service.list_own(session, principal, limit, cursor, status)
    return TaskPage(items=[await service.to_out(t, store, settings) for t in tasks], next_cursor=next_cursor)


@router.get(
    "/tasks/{task_id}",
    operation_id="tasks_get",
    response_model=TaskOut,
    responses=error_responses(Unauthorized, service.TaskNotFound),
)
async def get_task(
    task_id: uuid.UUID, session: SessionDep, principal: CurrentUser, settings: SettingsDep, store: StoreDep
) -> TaskOut:
    task = await service.get_own(session, principal, task_id)
    position = await repo.queue_position(session, task) if task.status == TaskStatus.pending else None
    return await service.to_out(task, store, settings, position)


@router.post(
    "/tasks/{task_id}/cancel",
    operation_id="tasks_cancel",
    response_model=TaskOut,
    responses=error_responses(Unauthorized, service.TaskNotFound, service.TaskAlreadyFinished),
)
async def cancel_task(
    task_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentUser,
    settings: SettingsDep,
    bus: BusDep,
    store: StoreDep,
) -> TaskOut:
    task = await service.cancel(session, bus, principal, task_id)
    return await service.to_out(task, store, settings)


@router.get(
    "/tasks/{task_id}/events",
    operation_id="tasks_events",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"},
        **error_responses(Unauthorized, service.TaskNotFound),
    },
)
async def task_events(
    task_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: CurrentUser,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    await service.get_own(session, principal, task_id)  # 404 before the stream starts
    try:
        resume_after = int(last_event_id) if last_event_id else -1
    except ValueError:
        resume_after = -1
    return StreamingResponse(
        task_event_stream(request.app, task_id, resume_after),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/usage", operation_id="usage_get", response_model=UsageOut, responses=error_responses(Unauthorized))
async def get_usage(session: SessionDep, principal: CurrentUser, settings: SettingsDep) -> UsageOut:
    """Your images today against the daily limit, and tasks running against the limit at once."""
    return await service.usage(session, settings, principal.user_id)


@router.get("/size-presets", operation_id="size_presets_list", response_model=SizePresetPage)
async def size_presets() -> dict[str, Any]:
    return {"items": [p.as_dict() for p in PRESETS], "next_cursor": None}
