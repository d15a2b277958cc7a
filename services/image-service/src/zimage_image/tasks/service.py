"""Generation tasks: submit, read, cancel, and the worker's side of the lifecycle."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.db import after_commit, utcnow
from zimage_common.errors import Conflict, NotFound, ServiceUnavailable, TooManyRequests, Unprocessable
from zimage_common.events import EventBus
from zimage_common.objects import ObjectStore
from zimage_common.pagination import decode_cursor, encode_cursor
from zimage_common.sizes import PRESETS_BY_ID, generation_size
from zimage_common.tokens import Principal

from zimage_image import metrics
from zimage_image.config import Settings
from zimage_image.gallery_client import GalleryClient
from zimage_image.stats import service as stats
from zimage_image.tasks import repository as repo
from zimage_image.tasks.models import Task, TaskImage, TaskStatus
from zimage_image.tasks.schemas import (
    DEFAULT_PRESET,
    BrandGuidance,
    GenerateRequest,
    Progress,
    TaskImageOut,
    TaskOut,
    UsageOut,
)

MAX_PROMPT = 2000
TURBO_STEPS = 8
TURBO_GUIDANCE = 0.0
DEMO_ENGINES = {"tiny"}


class TaskNotFound(NotFound):
    code = "TaskNotFound"


class TaskAlreadyFinished(Conflict):
    code = "TaskAlreadyFinished"


class QuotaExceeded(TooManyRequests):
    code = "QuotaExceeded"


def channel(task_id: uuid.UUID) -> str:
    return f"task:{task_id}"


def engine_label(engine: str | None) -> str | None:
    return f"{engine} (demo)" if engine in DEMO_ENGINES else engine


def announce(session: AsyncSession, bus: EventBus, task_id: uuid.UUID) -> None:
    """Tell live progress streams that the task changed, once the change is committed."""

    async def publish() -> None:
        await bus.publish(channel(task_id), {"task_id": str(task_id)})

    after_commit(session, publish)


def gpu_seconds_spent(task: Task, now: datetime, reported: float | None = None) -> float:
    """GPU time for a task that ended without a completion report: the worker's number when it sent one,
    else the time since it first started (the GPU was held that long), 0 for one that never started."""
    if reported is not None:
        return reported
    return 0.0 if task.started_at is None else max(0.0, (now - task.started_at).total_seconds())


async def finish(
    session: AsyncSession,
    task: Task,
    attempt: int | None,
    status: TaskStatus,
    now: datetime,
    *,
    gpu_seconds: float,
    **values: Any,
) -> bool:
    """Every terminal move goes through here: only the actual move (never a repeated report) counts in the
    usage rollup, in the same transaction."""
    if not await repo.finish(session, task.id, attempt, status, now, gpu_seconds=gpu_seconds, **values):
        return False
    await stats.record_finished(session, task, status, now, gpu_seconds)
    return True


def start_of_utc_day(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


async def limits_of(session: AsyncSession, settings: Settings, user_id: uuid.UUID) -> tuple[int, int]:
    """(images per UTC day, tasks at once) for this user: an admin's override, else the defaults."""
    override = await repo.get_quota(session, user_id)
    per_day = (
        override.images_per_day if override and override.images_per_day is not None else settings.daily_image_quota
    )
    max_active = (
        override.max_active_tasks if override and override.max_active_tasks is not None else settings.max_active_tasks
    )
    return per_day, max_active


async def usage(session: AsyncSession, settings: Settings, user_id: uuid.UUID) -> UsageOut:
    per_day, max_active = await limits_of(session, settings, user_id)
    day_start = start_of_utc_day(utcnow())
    return UsageOut(
        images_today=await repo.images_requested_since(session, user_id, day_start),
        images_per_day=per_day,
        active_tasks=await repo.active_task_count(session, user_id),
        max_active_tasks=max_active,
        resets_at=day_start + timedelta(days=1),
    )


async def check_quota(session: AsyncSession, settings: Settings, user_id: uuid.UUID, wanted: int) -> None:
    await repo.lock_user_submissions(session, user_id)  # concurrent submits would all pass a plain count
    per_day, max_active = await limits_of(session, settings, user_id)
    active = await repo.active_task_count(session, user_id)
    if active >= max_active:
        raise QuotaExceeded(
            f"You already have {active} generations waiting or running (limit {max_active}); "
            "wait for one to finish or cancel one",
            retry_after=10,
        )
    now = utcnow()
    day_start = start_of_utc_day(now)
    used = await repo.images_requested_since(session, user_id, day_start)
    if used + wanted > per_day:
        seconds_left = int((day_start + timedelta(days=1) - now).total_seconds())
        raise QuotaExceeded(
            f"Daily image limit reached: {used} of {per_day} images used today (UTC); this request needs {wanted}",
            retry_after=seconds_left,
        )


async def resolve_prompt(
    gallery: GalleryClient | None, principal: Principal, body: GenerateRequest
) -> tuple[str, str | None]:
    """The prompt to run and the preset to use, expanding a template server-side."""
    if body.template_id is None:
        assert body.prompt is not None
        return body.prompt, body.preset or (None if body.width else DEFAULT_PRESET)
    if gallery is None:
        raise ServiceUnavailable("templates are unavailable: gallery-service is not configured")
    expanded = await gallery.expand_template(principal.user_id, body.template_id, body.template_vars or {})
    prompt = expanded["prompt"] if not body.prompt else f"{expanded['prompt']}, {body.prompt}"
    if len(prompt) > MAX_PROMPT:
        raise Unprocessable(f"prompt: the template with your text is {len(prompt)} characters (max {MAX_PROMPT})")
    preset = body.preset or (None if body.width else expanded.get("preset") or DEFAULT_PRESET)
    return prompt, preset


async def apply_brand_kit(
    gallery: GalleryClient | None, brand_kit_id: uuid.UUID | None, prompt: str
) -> tuple[str, dict[str, Any] | None]:
    """The prompt after the brand kit's guidance (gallery-service applies it) and the record of what it did."""
    if brand_kit_id is None:
        return prompt, None
    if gallery is None:
        raise ServiceUnavailable("brand kits are unavailable: gallery-service is not configured")
    applied = await gallery.apply_brand_kit(brand_kit_id, prompt)
    return applied["prompt"], {
        "brand_kit_name": applied["brand_kit_name"],
        "style_words_added": applied["style_words_added"],
        "avoid_words_removed": applied["avoid_words_removed"],
        "prompt_before": prompt,
    }


async def submit(
    session: AsyncSession,
    settings: Settings,
    bus: EventBus,
    principal: Principal,
    body: GenerateRequest,
    *,
    source: str = "web",
    gallery: GalleryClient | None = None,
) -> Task:
    prompt, preset_id = await resolve_prompt(gallery, principal, body)
    prompt, brand_guidance = await apply_brand_kit(gallery, body.brand_kit_id, prompt)
    await check_quota(session, settings, principal.user_id, body.num_images)
    if preset_id:
        preset = PRESETS_BY_ID[preset_id]
        width, height = preset.width, preset.height
    else:
        assert body.width and body.height
        width, height = body.width, body.height
    gen_width, gen_height = generation_size(width, height)
    task = Task(
        id=uuid.uuid4(),
        user_id=principal.user_id,
        status=TaskStatus.pending,
        prompt=prompt,
        negative_prompt=body.negative_prompt,
        preset=preset_id,
        width=width,
        height=height,
        gen_width=gen_width,
        gen_height=gen_height,
        num_images=body.num_images,
        seed=body.seed if body.seed is not None else secrets.randbelow(2**32),
        steps=TURBO_STEPS,
        guidance_scale=TURBO_GUIDANCE,
        template_id=body.template_id,
        template_vars=body.template_vars,
        brand_kit_id=body.brand_kit_id,
        brand_guidance=brand_guidance,
        source=source,
        attempts=0,
        cancel_requested=False,
        progress_step=0,
        progress_total=TURBO_STEPS,
        event_seq=1,
        created_at=utcnow(),
    )
    await repo.add_task_with_outbox(session, task)
    metrics.task_submitted(session, source)
    return task


async def get_own(session: AsyncSession, principal: Principal, task_id: uuid.UUID) -> Task:
    task = await repo.get_user_task(session, principal.user_id, task_id)
    if task is None:  # someone else's task looks exactly like a missing one
        raise TaskNotFound("No such task")
    return task


async def list_own(
    session: AsyncSession, principal: Principal, limit: int, cursor: str | None, status: str | None
) -> tuple[list[Task], str | None]:
    after = decode_cursor(cursor) if cursor else None
    rows = list(await repo.list_user_tasks(session, principal.user_id, limit + 1, after, status))
    next_cursor = encode_cursor(rows[limit - 1].created_at, rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


async def cancel(session: AsyncSession, bus: EventBus, principal: Principal, task_id: uuid.UUID) -> Task:
    task = await get_own(session, principal, task_id)
    if task.is_terminal:
        raise TaskAlreadyFinished(f"Task is already {task.status}")
    # A pending task is never run; a running one stops at its next step and stores nothing.
    now = utcnow()
    if await finish(
        session,
        task,
        None,
        TaskStatus.canceled,
        now,
        only_from=(TaskStatus.pending,),
        gpu_seconds=gpu_seconds_spent(task, now),
    ):
        metrics.task_finished(session, TaskStatus.canceled)
    else:
        await repo.request_cancel(session, task.id)
    announce(session, bus, task.id)
    refreshed = await repo.get_task(session, task.id, fresh=True)
    assert refreshed is not None
    return refreshed


async def to_out(task: Task, store: ObjectStore, settings: Settings, position: int | None = None) -> TaskOut:
    images = []
    if task.status == TaskStatus.completed:
        for img in task.images:
            images.append(
                TaskImageOut(
                    id=img.id,
                    index=img.index,
                    url=await store.signed_url(
                        img.png_key,
                        settings.signed_url_seconds,
                        download_name=f"zimage-{task.id.hex[:8]}-{img.index}.png",
                    ),
                    thumbnail_url=await store.signed_url(img.thumb_key, settings.signed_url_seconds),
                    width=img.width,
                    height=img.height,
                    seed=img.seed,
                )
            )
    return TaskOut(
        id=task.id,
        status=task.status,
        prompt=task.prompt,
        negative_prompt=task.negative_prompt,
        negative_prompt_ignored=task.guidance_scale == 0.0,
        preset=task.preset,
        width=task.width,
        height=task.height,
        generation_width=task.gen_width,
        generation_height=task.gen_height,
        num_images=task.num_images,
        seed=task.seed,
        steps=task.steps,
        guidance_scale=task.guidance_scale,
        template_id=task.template_id,
        brand_kit_id=task.brand_kit_id,
        brand_guidance=BrandGuidance.model_validate(task.brand_guidance) if task.brand_guidance else None,
        engine=engine_label(task.engine),
        model=task.model,
        attempts=task.attempts,
        cancel_requested=task.cancel_requested,
        error=task.error,
        progress=Progress(step=task.progress_step, total=task.progress_total or task.steps),
        queue_position=position,
        created_at=task.created_at,
        started_at=task.started_at,
        finished_at=task.finished_at,
        queue_wait_seconds=task.queue_wait_seconds,
        gpu_seconds=task.gpu_seconds,
        images=images,
    )


# ---- the worker's side -------------------------------------------------------------------------


class ClaimRefused(Conflict):
    code = "NotClaimable"

    def __init__(self, detail: str, *, retry_after: float | None = None, final: bool = True) -> None:
        # Retry-After tells the worker to try again later; without it the message is done with.
        super().__init__(detail, headers={"Retry-After": f"{retry_after:.1f}"} if retry_after else None)
        self.retry_after = retry_after
        self.final = final


async def claim(session: AsyncSession, settings: Settings, bus: EventBus, task_id: uuid.UUID, worker: str) -> Task:
    now = utcnow()
    lease = now + timedelta(seconds=settings.lease_seconds)
    if await repo.try_claim(
        session, task_id, worker=worker, now=now, lease_until=lease, max_attempts=settings.max_attempts
    ):
        task = await repo.get_task(session, task_id, fresh=True)
        assert task is not None
        if task.attempts == 1 or task.queue_wait_seconds is None:
            task.queue_wait_seconds = max(0.0, (now - task.created_at).total_seconds())
        metrics.task_claimed(session, task)
        announce(session, bus, task_id)
        return task
    task = await repo.get_task(session, task_id, fresh=True)
    if task is None:
        raise ClaimRefused("task does not exist")
    if task.is_terminal:
        raise ClaimRefused(f"task is already {task.status}")
    if task.cancel_requested:
        if await finish(session, task, None, TaskStatus.canceled, now, gpu_seconds=gpu_seconds_spent(task, now)):
            metrics.task_finished(session, TaskStatus.canceled)
        announce(session, bus, task_id)
        raise ClaimRefused("task was canceled")
    if task.attempts >= settings.max_attempts and (task.lease_until is None or task.lease_until < now):
        await give_up(session, bus, task, now)
        raise ClaimRefused("task used all its attempts")
    wait = (task.lease_until - now).total_seconds() if task.lease_until else settings.lease_seconds
    raise ClaimRefused("task is held by another worker", retry_after=max(0.5, wait), final=False)


async def give_up(session: AsyncSession, bus: EventBus, task: Task, now: datetime) -> None:
    if await finish(
        session,
        task,
        None,
        TaskStatus.failed,
        now,
        gpu_seconds=gpu_seconds_spent(task, now),
        error=f"Generation stopped unexpectedly {task.attempts} times (the worker crashed or was restarted). "
        "Try again, perhaps with a smaller size or fewer images.",
    ):
        metrics.task_finished(session, TaskStatus.failed)
    announce(session, bus, task.id)


async def heartbeat(
    session: AsyncSession,
    settings: Settings,
    bus: EventBus,
    task_id: uuid.UUID,
    attempt: int,
    step: int | None,
    total: int | None,
) -> bool:
    """Renew the lease (and record progress); answers whether the user asked to cancel."""
    lease = utcnow() + timedelta(seconds=settings.lease_seconds)
    if not await repo.renew_lease(session, task_id, attempt, lease_until=lease, step=step, total=total):
        task = await repo.get_task(session, task_id, fresh=True)
        if task is None or task.is_terminal or task.attempts != attempt:
            raise ClaimRefused("this attempt no longer owns the task")
    if step is not None:
        announce(session, bus, task_id)
    task = await repo.get_task(session, task_id, fresh=True)
    return bool(task and task.cancel_requested)


async def complete(
    session: AsyncSession,
    bus: EventBus,
    task_id: uuid.UUID,
    attempt: int,
    *,
    engine: str,
    model: str,
    gpu_seconds: float,
    images: list[dict[str, Any]],
) -> Task:
    task = await repo.get_task(session, task_id, fresh=True)
    if task is None:
        raise TaskNotFound("No such task")
    if task.status == TaskStatus.completed:
        return task  # a duplicate report: one visible result
    now = utcnow()
    if not await finish(
        session,
        task,
        attempt,
        TaskStatus.completed,
        now,
        engine=engine,
        model=model,
        gpu_seconds=gpu_seconds,
        progress_step=task.progress_total or task.steps,
        error=None,
    ):
        raise ClaimRefused(f"task is {task.status} and attempt {attempt} no longer owns it")
    rows = [
        TaskImage(
            id=uuid.uuid5(task_id, str(img["index"])),  # stable across redeliveries
            task_id=task_id,
            index=img["index"],
            seed=img["seed"],
            width=img["width"],
            height=img["height"],
            png_key=img["png_key"],
            thumb_key=img["thumb_key"],
            png_bytes=img.get("png_bytes", 0),
            created_at=now,
        )
        for img in images
    ]
    await repo.upsert_images(session, task_id, rows)
    done = await repo.get_task(session, task_id, fresh=True)
    assert done is not None
    await session.refresh(done, ["images"])
    # same transaction as the completion: the gallery gets these images at least once
    await repo.add_gallery_ingest(session, [gallery_record(done, row) for row in done.images])
    metrics.task_completed(session, done, now)
    announce(session, bus, task_id)
    return done


def gallery_record(task: Task, image: TaskImage) -> dict[str, Any]:
    """What gallery-service stores about a finished image (its ingest contract)."""
    return {
        "id": str(image.id),
        "owner_id": str(task.user_id),
        "task_id": str(task.id),
        "index": image.index,
        "png_key": image.png_key,
        "thumb_key": image.thumb_key,
        "png_bytes": image.png_bytes,
        "width": image.width,
        "height": image.height,
        "generation_width": task.gen_width,
        "generation_height": task.gen_height,
        "preset": task.preset,
        "prompt": task.prompt,
        "negative_prompt": task.negative_prompt,
        "seed": image.seed,
        "steps": task.steps,
        "guidance_scale": task.guidance_scale,
        "model": task.model,
        "engine": task.engine,
        "template_id": str(task.template_id) if task.template_id else None,
        "brand_kit_id": str(task.brand_kit_id) if task.brand_kit_id else None,
        "brand_guidance": task.brand_guidance,
        "created_at": image.created_at.isoformat(),
    }


async def fail(
    session: AsyncSession,
    settings: Settings,
    bus: EventBus,
    task_id: uuid.UUID,
    attempt: int,
    *,
    error: str,
    retryable: bool,
    engine: str | None,
    model: str | None,
    gpu_seconds: float | None = None,
) -> None:
    task = await repo.get_task(session, task_id, fresh=True)
    if task is None or task.is_terminal:
        return
    now = utcnow()
    if retryable and task.attempts < settings.max_attempts:
        # let the next delivery (or the sweeper's republish) take it again right away
        await repo.renew_lease(session, task_id, attempt, lease_until=now, step=None, total=None)
        await repo.add_outbox(session, task_id)
        return
    if await finish(
        session,
        task,
        attempt,
        TaskStatus.failed,
        now,
        error=error[:2000],
        engine=engine,
        model=model,
        gpu_seconds=gpu_seconds_spent(task, now, gpu_seconds),
    ):
        metrics.task_finished(session, TaskStatus.failed)
    announce(session, bus, task_id)


async def canceled(
    session: AsyncSession, bus: EventBus, task_id: uuid.UUID, attempt: int, gpu_seconds: float | None = None
) -> None:
    task = await repo.get_task(session, task_id, fresh=True)
    if task is None:
        return
    now = utcnow()
    if await finish(
        session, task, attempt, TaskStatus.canceled, now, gpu_seconds=gpu_seconds_spent(task, now, gpu_seconds)
    ):
        metrics.task_finished(session, TaskStatus.canceled)
        announce(session, bus, task_id)
