"""The baseline: GET /admin/stats as it was before migration 0003, aggregating the tasks table directly with
exact nearest-rank percentiles from window functions (kept only to time it beside the rollup, on the same data)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from zimage_image.stats import service
from zimage_image.stats.repository import Bucket, UserUsage, _as_utc
from zimage_image.stats.schemas import StatsOut, StatsPoint, StatsTotals, TopUser
from zimage_image.tasks.models import Task, TaskStatus

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


def _bucket_start(session: AsyncSession, bucket: Bucket) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return func.date_trunc(bucket, func.timezone("UTC", Task.finished_at))
    pattern = "%Y-%m-%d %H:00:00" if bucket == "hour" else "%Y-%m-%d 00:00:00"
    return func.strftime(pattern, Task.finished_at)


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


async def stats(
    session: AsyncSession, start: datetime, end: datetime, bucket: Bucket, user_id: uuid.UUID | None
) -> StatsOut:
    start, end = service.resolve_range(start, end, bucket)
    by_start = {a.start: a for a in await aggregate(session, start, end, bucket, user_id)}
    series = []
    cursor = start
    while cursor < end:
        a = by_start.get(cursor) or Aggregate(cursor, 0, 0, 0, 0, 0, 0.0, None, None)
        series.append(StatsPoint(**a.__dict__ | {"start": cursor}))
        cursor += service.STEP[bucket]
    whole = await aggregate(session, start, end, None, user_id)
    t = whole[0] if whole else Aggregate(None, 0, 0, 0, 0, 0, 0.0, None, None)
    judged = t.tasks - t.canceled
    totals = StatsTotals(
        **{k: v for k, v in t.__dict__.items() if k not in ("start", "canceled")},
        failure_rate=t.failures / judged if judged else 0.0,
    )
    top = [TopUser(**u.__dict__) for u in await top_users(session, start, end, user_id, service.TOP_USERS)]
    return StatsOut(from_=start, to=end, bucket=bucket, series=series, totals=totals, top_users=top)
