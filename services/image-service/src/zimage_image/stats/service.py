"""Usage statistics over time for the admin dashboard."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.db import utcnow
from zimage_common.errors import Unprocessable

from zimage_image.stats import repository as repo
from zimage_image.stats.schemas import StatsOut, StatsPoint, StatsTotals, TopUser
from zimage_image.tasks.models import Task, TaskStatus

STEP = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
MAX_RANGE = {"hour": timedelta(days=31), "day": timedelta(days=400)}
DEFAULT_RANGE = timedelta(days=30)
TOP_USERS = 10


class InvalidStatsRange(Unprocessable):
    code = "InvalidStatsRange"


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def floor_to(value: datetime, bucket: repo.Bucket) -> datetime:
    value = value.replace(minute=0, second=0, microsecond=0)
    return value.replace(hour=0) if bucket == "day" else value


def ceil_to(value: datetime, bucket: repo.Bucket) -> datetime:
    floor = floor_to(value, bucket)
    return floor if floor == value else floor + STEP[bucket]


def resolve_range(start: datetime | None, end: datetime | None, bucket: repo.Bucket) -> tuple[datetime, datetime]:
    end = _utc(end) if end else utcnow()
    start = _utc(start) if start else end - DEFAULT_RANGE
    if start >= end:
        raise InvalidStatsRange("from must be earlier than to")
    if end - start > MAX_RANGE[bucket]:
        raise InvalidStatsRange(f"a {bucket} series covers at most {MAX_RANGE[bucket].days} days")
    return floor_to(start, bucket), end


def pieces(start: datetime, end: datetime, bucket: repo.Bucket | None) -> list[repo.Piece]:
    """Where each part of [start, end) is read: whole days from daily rows (for a day series or the totals),
    whole hours from hourly rows, and the last, unfinished hour from the tasks table, so a `to` inside an hour
    counts exactly. A piece from a finer source than the series falls in one series bucket, its key."""
    hour_end = floor_to(end, "hour")
    day_start, day_end = ceil_to(start, "day"), floor_to(end, "day")
    total_key = start if bucket is None else None
    if bucket == "hour" or day_start >= day_end:
        spans: list[tuple[repo.Source, datetime, datetime]] = [("hour", start, hour_end)]
    else:
        spans = [("hour", start, day_start), ("day", day_start, day_end), ("hour", day_end, hour_end)]
    spans.append(("tasks", hour_end, end))
    out = []
    for source, lo, hi in spans:
        if lo >= hi:
            continue
        if bucket is None:
            key: datetime | None = total_key
        elif source == bucket:
            key = None
        else:
            key = floor_to(lo, bucket)
        out.append(repo.Piece(source, lo, hi, key))
    return out


async def stats(
    session: AsyncSession,
    start: datetime | None,
    end: datetime | None,
    bucket: repo.Bucket,
    user_id: uuid.UUID | None,
) -> StatsOut:
    start, end = resolve_range(start, end, bucket)
    by_start = {a.start: a for a in await repo.aggregate(session, pieces(start, end, bucket), user_id)}
    series = []
    cursor = start
    while cursor < end:  # every bucket, so the chart's axis is continuous
        a = by_start.get(cursor) or repo.Aggregate(cursor, 0, 0, 0, 0, 0, 0.0)
        series.append(
            StatsPoint(
                start=cursor,
                images=a.images,
                tasks=a.tasks,
                failures=a.failures,
                canceled=a.canceled,
                active_users=a.active_users,
                gpu_seconds=a.gpu_seconds,
                queue_wait_p50=repo.percentile(a.waits, 50),
                queue_wait_p95=repo.percentile(a.waits, 95),
            )
        )
        cursor += STEP[bucket]
    # the totals cover the same range: sums of the buckets, except distinct users (from the per-user query)
    top, active_users = await repo.top_users(session, pieces(start, end, None), user_id, TOP_USERS)
    waits: dict[int, int] = {}
    for a in by_start.values():
        for index, count in a.waits.items():
            waits[index] = waits.get(index, 0) + count
    failures, canceled = sum(p.failures for p in series), sum(p.canceled for p in series)
    judged = sum(p.tasks for p in series) - canceled
    totals = StatsTotals(
        images=sum(p.images for p in series),
        tasks=sum(p.tasks for p in series),
        failures=failures,
        failure_rate=failures / judged if judged else 0.0,
        active_users=active_users,
        gpu_seconds=math.fsum(p.gpu_seconds for p in series),
        queue_wait_p50=repo.percentile(waits, 50),
        queue_wait_p95=repo.percentile(waits, 95),
    )
    top_users = [TopUser(user_id=u.user_id, images=u.images, tasks=u.tasks, gpu_seconds=u.gpu_seconds) for u in top]
    return StatsOut(from_=start, to=end, bucket=bucket, series=series, totals=totals, top_users=top_users)


async def record_finished(
    session: AsyncSession, task: Task, status: TaskStatus, now: datetime, gpu_seconds: float
) -> None:
    """Count a task in the rollup; called once, on its actual move into a terminal state, in that transaction."""
    now = _utc(now)
    await repo.record_finished(
        session,
        user_id=task.user_id,
        status=status,
        num_images=task.num_images,
        queue_wait_seconds=task.queue_wait_seconds,
        gpu_seconds=gpu_seconds,
        hour=floor_to(now, "hour"),
        day=floor_to(now, "day"),
    )


def start_of_utc_month(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


async def images_this_month(session: AsyncSession, user_ids: list[uuid.UUID] | None) -> dict[uuid.UUID, int]:
    return await repo.images_completed_since(session, start_of_utc_month(utcnow()), user_ids)
