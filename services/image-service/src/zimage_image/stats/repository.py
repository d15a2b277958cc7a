"""All SQL for usage statistics: aggregated in the database, one query shape on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Integer, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from zimage_image.tasks.models import Task, TaskStatus

Bucket = Literal["hour", "day"]
PERCENTILES = (50, 95)


@dataclass(frozen=True)
class Aggregate:
    start: datetime | None  # the bucket's start (None for totals)
    images: int
    tasks: int
    failures: int
    canceled: int
    active_users: int
    gpu_seconds: float
    queue_wait_p50: float | None
    queue_wait_p95: float | None


@dataclass(frozen=True)
class UserUsage:
    user_id: uuid.UUID
    images: int
    tasks: int
    gpu_seconds: float


def _bucket_start(session: AsyncSession, bucket: Bucket) -> ColumnElement[Any]:
    """The UTC start of each task's hour or day (the only dialect-specific part)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date_trunc(bucket, func.timezone("UTC", Task.finished_at))
    pattern = "%Y-%m-%d %H:00:00" if bucket == "hour" else "%Y-%m-%d 00:00:00"
    return func.strftime(pattern, Task.finished_at)  # SQLite keeps UTC as naive text


def _as_utc(value: datetime | str) -> datetime:
    start = datetime.fromisoformat(value) if isinstance(value, str) else value
    return start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)


def _finished_between(start: datetime, end: datetime, user_id: uuid.UUID | None) -> list[ColumnElement[bool]]:
    conditions = [Task.finished_at >= start, Task.finished_at < end]
    if user_id is not None:
        conditions.append(Task.user_id == user_id)
    return conditions


async def aggregate(
    session: AsyncSession, start: datetime, end: datetime, bucket: Bucket | None, user_id: uuid.UUID | None
) -> list[Aggregate]:
    """Per bucket (or, with bucket None, over the whole range): counts, sums and nearest-rank queue-wait
    percentiles, in one pass: row_number() ranks each bucket's waits, count() sizes it, and the p-th
    percentile is the smallest wait whose rank reaches p% of the count."""
    key = _bucket_start(session, bucket) if bucket else literal(0, Integer)
    wait = Task.queue_wait_seconds
    ranked = (
        select(
            key.label("b"),
            Task.user_id,
            Task.status,
            Task.num_images,
            Task.gpu_seconds,
            wait.label("wait"),
            func.row_number().over(partition_by=(key, wait.is_(None)), order_by=wait).label("rn"),
            func.count(wait).over(partition_by=key).label("n"),
        )
        .where(*_finished_between(start, end, user_id))
        .subquery()
    )
    r = ranked.c

    def percentile(p: int) -> ColumnElement[Any]:
        return func.min(case((r.wait.is_not(None) & (r.rn * 100 >= r.n * p), r.wait)))

    stmt = select(
        r.b,
        func.coalesce(func.sum(case((r.status == TaskStatus.completed, r.num_images), else_=0)), 0),
        func.count(),
        func.coalesce(func.sum(case((r.status == TaskStatus.failed, 1), else_=0)), 0),
        func.coalesce(func.sum(case((r.status == TaskStatus.canceled, 1), else_=0)), 0),
        func.count(func.distinct(r.user_id)),
        func.coalesce(func.sum(r.gpu_seconds), 0.0),
        *(percentile(p) for p in PERCENTILES),
    ).group_by(r.b)
    rows = (await session.execute(stmt)).all()
    return [
        Aggregate(
            start=_as_utc(row[0]) if bucket else None,
            images=int(row[1]),
            tasks=int(row[2]),
            failures=int(row[3]),
            canceled=int(row[4]),
            active_users=int(row[5]),
            gpu_seconds=float(row[6]),
            queue_wait_p50=None if row[7] is None else float(row[7]),
            queue_wait_p95=None if row[8] is None else float(row[8]),
        )
        for row in rows
    ]


async def top_users(
    session: AsyncSession, start: datetime, end: datetime, user_id: uuid.UUID | None, limit: int
) -> list[UserUsage]:
    images = func.coalesce(func.sum(case((Task.status == TaskStatus.completed, Task.num_images), else_=0)), 0)
    tasks = func.count()
    stmt = (
        select(
            Task.user_id, images.label("images"), tasks.label("tasks"), func.coalesce(func.sum(Task.gpu_seconds), 0.0)
        )
        .where(*_finished_between(start, end, user_id))
        .group_by(Task.user_id)
        .order_by(images.desc(), tasks.desc(), Task.user_id)
        .limit(limit)
    )
    return [
        UserUsage(user_id=row[0], images=int(row[1]), tasks=int(row[2]), gpu_seconds=float(row[3]))
        for row in (await session.execute(stmt)).all()
    ]


async def images_completed_since(
    session: AsyncSession, since: datetime, user_ids: Sequence[uuid.UUID] | None
) -> dict[uuid.UUID, int]:
    stmt = (
        select(Task.user_id, func.sum(Task.num_images))
        .where(Task.status == TaskStatus.completed, Task.finished_at >= since)
        .group_by(Task.user_id)
    )
    if user_ids is not None:
        stmt = stmt.where(Task.user_id.in_(user_ids))
    return {row[0]: int(row[1]) for row in (await session.execute(stmt)).all()}
