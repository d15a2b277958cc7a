"""Prometheus metrics of the generation queue: outcomes, queue depth and wait, stage times, GPU time per worker.

Counters and histograms change only after the transaction that made the change commits (a rolled-back
completion counts nothing). Gauges are read from the database by the relay's sweep, so every replica
reports the same values: dashboards aggregate them with max(), counters with sum().
The names are what monitoring/ (dashboards, alert rules) and tests/ops rely on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.db import Database, after_commit, utcnow
from zimage_common.queue import JobQueue

from zimage_image.tasks import repository as repo
from zimage_image.tasks.models import Task, TaskStatus

STAGE_BUCKETS = (0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60, 120, 300, 600, 1800)

TASKS_SUBMITTED = Counter("zimage_tasks_submitted_total", "Generation tasks accepted", ["source"])
TASKS_FINISHED = Counter("zimage_tasks_finished_total", "Tasks that reached a final status", ["status"])
IMAGES_GENERATED = Counter("zimage_images_generated_total", "Images stored by completed tasks", ["worker"])
GPU_SECONDS = Counter("zimage_gpu_seconds_total", "Seconds the engine spent generating, by worker host", ["worker"])
QUEUE_WAIT = Histogram("zimage_task_queue_wait_seconds", "From submit to a worker's first claim", buckets=STAGE_BUCKETS)
# queue: submit → first claim; generate: the engine's time (worker-reported); finish: claim → completed
# less the engine's time (load, encode, upload, report); total: submit → completed.
TASK_STAGE = Histogram(
    "zimage_task_stage_seconds", "Time a completed task spent in each stage", ["stage"], buckets=STAGE_BUCKETS
)
QUEUE_DEPTH = Gauge("zimage_queue_depth", "Tasks waiting for a worker (pending rows)")
QUEUE_OLDEST = Gauge("zimage_queue_oldest_pending_seconds", "Age of the oldest pending task (0 when none)")
QUEUE_MESSAGES = Gauge("zimage_queue_messages", "Messages in the broker's image_generation queue (-1: unknown)")
TASKS_PROCESSING = Gauge("zimage_tasks_processing", "Tasks a worker is running")
ACTIVE_USERS = Gauge("zimage_active_users", "Users who submitted a task within the window", ["window"])
ACTIVE_USER_WINDOWS = {"1h": timedelta(hours=1), "24h": timedelta(days=1)}
BACKLOG_EVERY_SECONDS = 5.0  # gauges are scraped every 15 s; never slow a fast sweep loop down
ACTIVE_USERS_EVERY_SECONDS = 60.0  # a distinct count over a day of tasks: not on every pass

# Series exist at 0 from the start, so rate() and the alert rules see them before the first task.
for _source in ("web", "openai"):
    TASKS_SUBMITTED.labels(_source)
for _status in (TaskStatus.completed, TaskStatus.failed, TaskStatus.canceled):
    TASKS_FINISHED.labels(_status.value)
for _stage in ("queue", "generate", "finish", "total"):
    TASK_STAGE.labels(_stage)
for _window in ACTIVE_USER_WINDOWS:
    ACTIVE_USERS.labels(_window)
_backlog_at = 0.0
_active_users_at = 0.0


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite hands back naive UTC


def worker_host(worker: str | None) -> str:
    """`host:pid` → `host`: one series per worker machine or container, not per pool process."""
    return (worker or "unknown").rsplit(":", 1)[0] or "unknown"


def _after_commit(session: AsyncSession, record: Callable[[], None]) -> None:
    async def run() -> None:
        record()

    after_commit(session, run)


def task_submitted(session: AsyncSession, source: str) -> None:
    _after_commit(session, lambda: TASKS_SUBMITTED.labels(source).inc())


def task_claimed(session: AsyncSession, task: Task) -> None:
    if task.attempts == 1 and task.queue_wait_seconds is not None:
        wait = task.queue_wait_seconds
        _after_commit(session, lambda: QUEUE_WAIT.observe(wait))


def task_finished(session: AsyncSession, status: TaskStatus) -> None:
    _after_commit(session, lambda: TASKS_FINISHED.labels(status.value).inc())


def task_completed(session: AsyncSession, task: Task, now: datetime) -> None:
    host = worker_host(task.worker)
    images = len(task.images)
    gpu = float(task.gpu_seconds or 0.0)
    queue = task.queue_wait_seconds
    total = max(0.0, (now - _aware(task.created_at)).total_seconds())
    finish = max(0.0, (now - _aware(task.started_at)).total_seconds() - gpu) if task.started_at else None

    def record() -> None:
        TASKS_FINISHED.labels("completed").inc()
        IMAGES_GENERATED.labels(host).inc(images)
        GPU_SECONDS.labels(host).inc(gpu)
        TASK_STAGE.labels("generate").observe(gpu)
        TASK_STAGE.labels("total").observe(total)
        if queue is not None:
            TASK_STAGE.labels("queue").observe(queue)
        if finish is not None:
            TASK_STAGE.labels("finish").observe(finish)

    _after_commit(session, record)


async def observe_backlog(db: Database, queue: JobQueue) -> None:
    """Refresh the gauges from the database (the truth) and the broker; the sweeper calls it each pass."""
    global _active_users_at, _backlog_at
    if time.monotonic() - _backlog_at < BACKLOG_EVERY_SECONDS:
        return
    _backlog_at = time.monotonic()
    now = utcnow()
    refresh_users = time.monotonic() - _active_users_at >= ACTIVE_USERS_EVERY_SECONDS
    async with db.unit_of_work() as session:
        counts = await repo.count_by_status(session, (TaskStatus.pending, TaskStatus.processing))
        oldest = await repo.oldest_pending_created_at(session)
        users = (
            {w: await repo.users_submitting_since(session, now - span) for w, span in ACTIVE_USER_WINDOWS.items()}
            if refresh_users
            else {}
        )
    if refresh_users:
        _active_users_at = time.monotonic()
    set_backlog(
        pending=counts[TaskStatus.pending.value],
        processing=counts[TaskStatus.processing.value],
        oldest_pending=_aware(oldest) if oldest else None,
        now=now,
        broker_messages=await queue.depth(),
        active_users=users,
    )


def set_backlog(
    *,
    pending: int,
    processing: int,
    oldest_pending: datetime | None,
    now: datetime,
    broker_messages: int | None,
    active_users: dict[str, int],
) -> None:
    QUEUE_DEPTH.set(pending)
    TASKS_PROCESSING.set(processing)
    QUEUE_OLDEST.set(max(0.0, (now - oldest_pending).total_seconds()) if oldest_pending else 0.0)
    QUEUE_MESSAGES.set(-1 if broker_messages is None else broker_messages)
    for window, count in active_users.items():
        ACTIVE_USERS.labels(window).set(count)
