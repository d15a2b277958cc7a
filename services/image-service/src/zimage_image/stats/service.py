"""Usage statistics over time for the admin dashboard."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.db import utcnow
from zimage_common.errors import Unprocessable

from zimage_image.stats import repository as repo
from zimage_image.stats.schemas import StatsOut, StatsPoint, StatsTotals, TopUser

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


def resolve_range(start: datetime | None, end: datetime | None, bucket: repo.Bucket) -> tuple[datetime, datetime]:
    end = _utc(end) if end else utcnow()
    start = _utc(start) if start else end - DEFAULT_RANGE
    if start >= end:
        raise InvalidStatsRange("from must be earlier than to")
    if end - start > MAX_RANGE[bucket]:
        raise InvalidStatsRange(f"a {bucket} series covers at most {MAX_RANGE[bucket].days} days")
    return floor_to(start, bucket), end


async def stats(
    session: AsyncSession,
    start: datetime | None,
    end: datetime | None,
    bucket: repo.Bucket,
    user_id: uuid.UUID | None,
) -> StatsOut:
    start, end = resolve_range(start, end, bucket)
    by_start = {a.start: a for a in await repo.aggregate(session, start, end, bucket, user_id)}
    series = []
    cursor = start
    while cursor < end:  # every bucket, so the chart's axis is continuous
        a = by_start.get(cursor)
        series.append(
            StatsPoint(
                start=cursor,
                images=a.images if a else 0,
                tasks=a.tasks if a else 0,
                failures=a.failures if a else 0,
                canceled=a.canceled if a else 0,
                active_users=a.active_users if a else 0,
                gpu_seconds=a.gpu_seconds if a else 0.0,
                queue_wait_p50=a.queue_wait_p50 if a else None,
                queue_wait_p95=a.queue_wait_p95 if a else None,
            )
        )
        cursor += STEP[bucket]
    whole = await repo.aggregate(session, start, end, None, user_id)
    t = whole[0] if whole else repo.Aggregate(None, 0, 0, 0, 0, 0, 0.0, None, None)
    judged = t.tasks - t.canceled
    totals = StatsTotals(
        images=t.images,
        tasks=t.tasks,
        failures=t.failures,
        failure_rate=t.failures / judged if judged else 0.0,
        active_users=t.active_users,
        gpu_seconds=t.gpu_seconds,
        queue_wait_p50=t.queue_wait_p50,
        queue_wait_p95=t.queue_wait_p95,
    )
    top = [
        TopUser(user_id=u.user_id, images=u.images, tasks=u.tasks, gpu_seconds=u.gpu_seconds)
        for u in await repo.top_users(session, start, end, user_id, TOP_USERS)
    ]
    return StatsOut(from_=start, to=end, bucket=bucket, series=series, totals=totals, top_users=top)


def start_of_utc_month(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


async def images_this_month(session: AsyncSession, user_ids: list[uuid.UUID] | None) -> dict[uuid.UUID, int]:
    return await repo.images_completed_since(session, start_of_utc_month(utcnow()), user_ids)
