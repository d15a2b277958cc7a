"""OpenAI Images API shape (`POST /images/generations`), so existing clients work by changing base_url."""

from __future__ import annotations

import asyncio
import base64
import re
import time
import uuid
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from zimage_common.auth import CurrentUser
from zimage_common.db import Database
from zimage_common.errors import AppError, Unauthorized, describe_validation_errors, error_responses

from zimage_image.tasks import repository as repo
from zimage_image.tasks import service
from zimage_image.tasks.models import TaskStatus
from zimage_image.tasks.schemas import GenerateRequest

router = APIRouter(prefix="/api/v1", tags=["openai-compatible"])
SIZE = re.compile(r"^(\d{2,4})x(\d{2,4})$")
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
    503: "service_unavailable",
    500: "server_error",
    502: "server_error",
}


class OpenAIImageRequest(BaseModel):
    prompt: str = Field(max_length=2000)
    model: str | None = Field(None, description="Accepted for compatibility; the worker's model runs")
    n: int = Field(1, ge=1, le=4)
    size: str | None = Field("1024x1024", description="WIDTHxHEIGHT, multiples of 16, 256–2048")
    response_format: Literal["url", "b64_json"] = "url"
    quality: str | None = None
    style: str | None = None
    user: str | None = None


class OpenAIImage(BaseModel):
    url: str | None = None
    b64_json: str | None = None
    revised_prompt: str | None = None


class OpenAIImagesResponse(BaseModel):
    created: int
    data: list[OpenAIImage]


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None
    code: str | None


class OpenAIErrorResponse(BaseModel):
    error: OpenAIErrorDetail


OPENAI_ERROR = {"model": OpenAIErrorResponse, "description": "OpenAI-style error"}


def openai_error(
    status: int, message: str, code: str | None = None, param: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"message": message, "type": _ERROR_TYPES.get(status, "api_error"), "param": param, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


def absolute(request: Request, url: str) -> str:
    if not url.startswith("/"):
        return url
    proto = request.headers.get("x-forwarded-proto") or request.url.scheme
    host = request.headers.get("x-forwarded-host") or request.headers.get("host") or request.url.netloc
    return f"{proto}://{host}{url}"


@router.post(
    "/images/generations",
    operation_id="openai_images_generate",
    response_model=OpenAIImagesResponse,
    responses={400: OPENAI_ERROR, **error_responses(Unauthorized), 429: OPENAI_ERROR, 503: OPENAI_ERROR},
    # The body is read by hand (errors in OpenAI's shape), so the spec is told what it takes.
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": OpenAIImageRequest.model_json_schema()}},
        }
    },
)
async def create_images(request: Request, principal: CurrentUser) -> Any:
    try:
        raw = await request.json()
        body = OpenAIImageRequest.model_validate(raw)
        width, height = 1024, 1024
        if body.size and body.size != "auto":
            match = SIZE.match(body.size)
            if not match:
                return openai_error(400, "size must look like 1024x1024", "invalid_size", "size")
            width, height = int(match[1]), int(match[2])
        generate = GenerateRequest(prompt=body.prompt, width=width, height=height, num_images=body.n)
    except ValidationError as exc:
        errors = exc.errors()
        param = ".".join(str(p) for p in errors[0]["loc"]) if errors else None
        if param in ("width", "height"):  # ours, parsed from the caller's `size`
            param = "size"
        return openai_error(400, describe_validation_errors(list(errors)), "invalid_value", param)
    except ValueError:
        return openai_error(400, "request body must be JSON", "invalid_json")
    try:
        return await _generate_and_wait(request, principal, generate, body.response_format)
    except AppError as exc:
        return openai_error(exc.status_code, exc.detail, exc.code, headers=exc.headers)


async def _generate_and_wait(request: Request, principal: Any, generate: GenerateRequest, response_format: str) -> Any:
    app = request.app
    db: Database = app.state.db
    async with db.unit_of_work() as session:
        task = await service.submit(session, app.state.settings, app.state.bus, principal, generate, source="openai")
        app.state.relay.wake_after_commit(session)
    task_id: uuid.UUID = task.id
    deadline = time.monotonic() + app.state.settings.openai_wait_seconds
    async with app.state.bus.subscribe(service.channel(task_id)) as events:
        waiter: asyncio.Future[Any] | None = None
        try:
            while True:
                async with db.unit_of_work() as session:
                    current = await repo.get_task(session, task_id, fresh=True)
                    assert current is not None
                    if current.is_terminal:
                        await session.refresh(current, ["images"])
                        return await _respond(request, current, response_format)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return openai_error(
                        503,
                        f"generation did not finish in time; it continues as task {task_id} "
                        f"(GET /api/v1/tasks/{task_id})",
                        "timeout",
                    )
                waiter = waiter or asyncio.ensure_future(anext(events))
                done, _ = await asyncio.wait({waiter}, timeout=min(remaining, 2.0))
                if done:
                    waiter = None
        finally:
            if waiter is not None:
                waiter.cancel()


async def _respond(request: Request, task: Any, response_format: str) -> Any:
    if task.status == TaskStatus.failed:
        # the worker failed, not this server: a gateway error in OpenAI's server_error shape
        return openai_error(502, task.error or "generation failed", "generation_failed")
    if task.status == TaskStatus.canceled:
        return openai_error(400, "generation was canceled", "canceled")
    store = request.app.state.store
    data = []
    for img in task.images:
        if response_format == "b64_json":
            data.append(OpenAIImage(b64_json=base64.b64encode(await store.get(img.png_key)).decode()))
        else:
            url = await store.signed_url(img.png_key, request.app.state.settings.signed_url_seconds)
            data.append(OpenAIImage(url=absolute(request, url)))
    return OpenAIImagesResponse(created=int(task.created_at.timestamp()), data=data)
