"""Routes the ml-worker calls (service token, never proxied by the gateway: not under /api/v1)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from zimage_common.db import SessionDep
from zimage_common.errors import error_body

from zimage_image.deps import BusDep, InternalCaller, SettingsDep
from zimage_image.tasks import service

router = APIRouter(
    prefix="/internal/v1/tasks", tags=["internal"], dependencies=[InternalCaller], include_in_schema=False
)


class ClaimRequest(BaseModel):
    worker: str = Field(max_length=200)


class ClaimedTask(BaseModel):
    task_id: uuid.UUID
    user_id: uuid.UUID
    attempt: int
    prompt: str
    negative_prompt: str | None
    width: int
    height: int
    generation_width: int
    generation_height: int
    num_images: int
    seed: int
    steps: int
    guidance_scale: float
    lease_seconds: float


class HeartbeatRequest(BaseModel):
    attempt: int
    step: int | None = None
    total: int | None = None


class HeartbeatResponse(BaseModel):
    cancel: bool


class ImageReport(BaseModel):
    index: int = Field(ge=0, le=3)
    seed: int
    width: int
    height: int
    png_key: str
    thumb_key: str
    png_bytes: int = 0


class CompleteRequest(BaseModel):
    attempt: int
    engine: str
    model: str
    gpu_seconds: float
    images: list[ImageReport]


class FailRequest(BaseModel):
    attempt: int
    error: str
    retryable: bool = False
    engine: str | None = None
    model: str | None = None
    gpu_seconds: float | None = Field(None, ge=0, description="GPU time this attempt used; unset: estimated")


class AttemptRequest(BaseModel):
    attempt: int
    gpu_seconds: float | None = Field(None, ge=0, description="GPU time this attempt used; unset: estimated")


@router.post("/{task_id}/claim", response_model=ClaimedTask)
async def claim(
    task_id: uuid.UUID, body: ClaimRequest, session: SessionDep, settings: SettingsDep, bus: BusDep
) -> ClaimedTask | JSONResponse:
    try:
        task = await service.claim(session, settings, bus, task_id, body.worker)
    except service.ClaimRefused as exc:
        # Answered, not raised: a refusal may have ended the task (canceled, out of attempts), and a raise
        # would roll that back with the request's unit of work.
        return JSONResponse(error_body(exc.code, exc.detail), status_code=exc.status_code, headers=exc.headers)
    return ClaimedTask(
        task_id=task.id,
        user_id=task.user_id,
        attempt=task.attempts,
        prompt=task.prompt,
        negative_prompt=task.negative_prompt,
        width=task.width,
        height=task.height,
        generation_width=task.gen_width,
        generation_height=task.gen_height,
        num_images=task.num_images,
        seed=task.seed,
        steps=task.steps,
        guidance_scale=task.guidance_scale,
        lease_seconds=settings.lease_seconds,
    )


@router.post("/{task_id}/heartbeat", response_model=HeartbeatResponse)
async def heartbeat(
    task_id: uuid.UUID, body: HeartbeatRequest, session: SessionDep, settings: SettingsDep, bus: BusDep
) -> HeartbeatResponse:
    cancel = await service.heartbeat(session, settings, bus, task_id, body.attempt, body.step, body.total)
    return HeartbeatResponse(cancel=cancel)


@router.post("/{task_id}/complete")
async def complete(task_id: uuid.UUID, body: CompleteRequest, session: SessionDep, bus: BusDep) -> dict[str, str]:
    task = await service.complete(
        session,
        bus,
        task_id,
        body.attempt,
        engine=body.engine,
        model=body.model,
        gpu_seconds=body.gpu_seconds,
        images=[i.model_dump() for i in body.images],
    )
    return {"status": task.status}


@router.post("/{task_id}/fail")
async def fail(
    task_id: uuid.UUID, body: FailRequest, session: SessionDep, settings: SettingsDep, bus: BusDep
) -> dict[str, str]:
    await service.fail(
        session,
        settings,
        bus,
        task_id,
        body.attempt,
        error=body.error,
        retryable=body.retryable,
        engine=body.engine,
        model=body.model,
        gpu_seconds=body.gpu_seconds,
    )
    return {"status": "recorded"}


@router.post("/{task_id}/canceled")
async def canceled(task_id: uuid.UUID, body: AttemptRequest, session: SessionDep, bus: BusDep) -> dict[str, str]:
    await service.canceled(session, bus, task_id, body.attempt, body.gpu_seconds)
    return {"status": "recorded"}
