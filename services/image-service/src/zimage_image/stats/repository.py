"""All SQL for usage statistics: the rollup's upserts, and aggregates over rollup rows plus the last
(partial) hour straight from the tasks table. One query shape on SQLite and PostgreSQL."""

from __future__ import annotations

import bisect
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Integer, Select, String, case, cast, func, literal, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from zimage_common.db import UTCDateTime

from zimage_image.stats.models import EVERYONE, QueueWaitBin, QueueWaitRollup, UsageRollup
from zimage_image.tasks.models import Task, TaskStatus

Bucket = Literal["hour", "day"]
Source = Literal["hour", "day", "tasks"]

# Queue-wait histogram: bin 0 is [0, 1 ms), bin k >= 1 starts at 1 ms * 1.05^(k-1), the last one (~24.4 h)
# is open-ended. Migration 0003 stores the same bounds in queue_wait_bins.
WAIT_RATIO = 1.05
WAIT_FIRST_SECONDS = 0.001
WAIT_LOWER_BOUNDS = (0.0, *(WAIT_FIRST_SECONDS * WAIT_RATIO**k for k in range(376)))


def wait_bin(seconds: float) -> int:
    return max(0, bisect.bisect_right(WAIT_LOWER_BOUNDS, seconds) - 1)


def bin_value(index: int) -> float:
    """A bin's geometric middle: within sqrt(1.05) - 1 < 2.5 % of any wait in it (0.5 ms in bin 0; the open
    last bin answers its lower bound)."""
    if index == 0:
        return WAIT_FIRST_SECONDS / 2
    if index == len(WAIT_LOWER_BOUNDS) - 1:
        return WAIT_LOWER_BOUNDS[index]
    return WAIT_LOWER_BOUNDS[index] * math.sqrt(WAIT_RATIO)


@dataclass
class Aggregate:
    """One series bucket: sums, distinct users, and the queue-wait histogram ({bin: tasks})."""

    start: datetime
    images: int
    tasks: int
    failures: int
    canceled: int
    active_users: int
    gpu_seconds: float
    waits: dict[int, int] = field(default_factory=dict)


def percentile(waits: dict[int, int], p: int) -> float | None:
    """Nearest rank: the p-th percentile wait lies in the first bin whose running count reaches p% of all."""
    total = sum(waits.values())
    running = 0
    for index in sorted(waits):
        running += waits[index]
        if running * 100 >= total * p:
            return bin_value(index)
    return None


@dataclass(frozen=True)
class UserUsage:
    user_id: uuid.UUID
    images: int
    tasks: int
    gpu_seconds: float


@dataclass(frozen=True)
class Piece:
    """Part of a range read from one source: rollup rows of a period, or the tasks table itself. `key` is
    the series bucket every row of the piece falls in, or None when rows keep their own period_start."""

    source: Source
    start: datetime
    end: datetime
    key: datetime | None


# ---- writing: one finished task ---------------------------------------------------------------------


def _insert(session: AsyncSession) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


async def record_finished(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    status: str,
    num_images: int,
    queue_wait_seconds: float | None,
    gpu_seconds: float,
    hour: datetime,
    day: datetime,
) -> None:
    """Add one task to its hour's and day's rows (atomic increments: concurrent finishes never lose one)."""
    insert = _insert(session)
    counts = {
        "user_id": user_id,
        "tasks": 1,
        "images": num_images if status == TaskStatus.completed else 0,
        "failures": int(status == TaskStatus.failed),
        "canceled": int(status == TaskStatus.canceled),
        "gpu_seconds": gpu_seconds,
    }
    stmt = insert(UsageRollup).values(
        [{"period": "hour", "period_start": hour, **counts}, {"period": "day", "period_start": day, **counts}]
    )
    summed = ("tasks", "images", "failures", "canceled", "gpu_seconds")
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["period", "period_start", "user_id"],
            set_={c: getattr(UsageRollup, c) + getattr(stmt.excluded, c) for c in summed},
        )
    )
    if queue_wait_seconds is None:  # canceled before it ever started
        return
    b = wait_bin(queue_wait_seconds)
    # the same key order in every transaction, so two finishes lock the shared EVERYONE rows in one order
    hist = insert(QueueWaitRollup).values(
        [
            {"period": period, "period_start": start, "user_id": who, "wait_bin": b, "tasks": 1}
            for period, start in (("hour", hour), ("day", day))
            for who in (user_id, EVERYONE)
        ]
    )
    await session.execute(
        hist.on_conflict_do_update(
            index_elements=["period", "user_id", "period_start", "wait_bin"],
            set_={"tasks": QueueWaitRollup.tasks + hist.excluded.tasks},
        )
    )


# ---- reading ----------------------------------------------------------------------------------------


def _as_utc(value: datetime | str) -> datetime:
    start = datetime.fromisoformat(value) if isinstance(value, str) else value
    return start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)


def _key(piece: Piece, own: InstrumentedAttribute[Any]) -> ColumnElement[Any] | InstrumentedAttribute[Any]:
    """The row's own period_start, or the one series bucket the whole piece falls in."""
    if piece.key is None:
        assert piece.source != "tasks", "tasks are read only for a tail inside one bucket"
        return own
    return literal(piece.key, UTCDateTime())


def _tail_conditions(piece: Piece, user_id: uuid.UUID | None) -> list[ColumnElement[bool]]:
    conditions = [Task.finished_at >= piece.start, Task.finished_at < piece.end]
    if user_id is not None:
        conditions.append(Task.user_id == user_id)
    return conditions


def _usage_rows(pieces: Sequence[Piece], user_id: uuid.UUID | None) -> Select[Any]:
    """(k, user_id, tasks, images, failures, canceled, gpu_seconds): rollup rows, and one row per task of the
    unrolled tail."""
    selects = []
    for p in pieces:
        if p.source == "tasks":
            selects.append(
                select(
                    _key(p, Task.finished_at).label("k"),
                    Task.user_id.label("user_id"),
                    literal(1, Integer).label("tasks"),
                    case((Task.status == TaskStatus.completed, Task.num_images), else_=0).label("images"),
                    case((Task.status == TaskStatus.failed, 1), else_=0).label("failures"),
                    case((Task.status == TaskStatus.canceled, 1), else_=0).label("canceled"),
                    func.coalesce(Task.gpu_seconds, 0.0).label("gpu_seconds"),
                ).where(*_tail_conditions(p, user_id))
            )
            continue
        u = UsageRollup
        stmt = select(
            _key(p, u.period_start).label("k"), u.user_id, u.tasks, u.images, u.failures, u.canceled, u.gpu_seconds
        ).where(u.period == p.source, u.period_start >= p.start, u.period_start < p.end)
        selects.append(stmt.where(u.user_id == user_id) if user_id is not None else stmt)
    return union_all(*selects) if len(selects) > 1 else selects[0]  # type: ignore[return-value]


async def aggregate(session: AsyncSession, pieces: Sequence[Piece], user_id: uuid.UUID | None) -> list[Aggregate]:
    """Per series bucket: sums and distinct users over the pieces' rows in one query, then each piece's
    queue-wait histogram (its own query, so the large one reads its index in order without sorting)."""
    if not pieces:
        return []
    u = _usage_rows(pieces, user_id).subquery().c
    stmt = select(
        u.k,
        func.sum(u.images),
        func.sum(u.tasks),
        func.sum(u.failures),
        func.sum(u.canceled),
        func.count(func.distinct(u.user_id)),
        func.sum(u.gpu_seconds),
    ).group_by(u.k)
    out = {}
    for row in (await session.execute(stmt)).all():
        start = _as_utc(row[0])
        out[start] = Aggregate(start, int(row[1]), int(row[2]), int(row[3]), int(row[4]), int(row[5]), float(row[6]))
    for piece in pieces:
        for start, index, count in await _wait_histogram(session, piece, user_id):
            waits = out[start].waits
            waits[index] = waits.get(index, 0) + count
    return list(out.values())


async def _wait_histogram(
    session: AsyncSession, piece: Piece, user_id: uuid.UUID | None
) -> list[tuple[datetime, int, int]]:
    """(bucket start, bin, tasks) of one piece. Rollup rows of the series' own period come back one string
    per bucket ("bin:tasks,..."): tens of thousands of rows for a year by day would cost more to fetch."""
    if piece.source == "tasks":
        b = QueueWaitBin
        bin_of = func.coalesce(
            select(b.wait_bin)
            .where(b.lower_seconds <= Task.queue_wait_seconds)
            .order_by(b.lower_seconds.desc())
            .limit(1)
            .scalar_subquery(),
            0,
        )
        tail = (
            select(bin_of, func.count())
            .where(*_tail_conditions(piece, user_id), Task.queue_wait_seconds.is_not(None))
            .group_by(bin_of)
        )
        rows = (await session.execute(tail)).all()
    else:
        w = QueueWaitRollup
        scope = (
            w.period == piece.source,
            w.user_id == (user_id or EVERYONE),
            w.period_start >= piece.start,
            w.period_start < piece.end,
        )
        if piece.key is None:
            pairs = func.aggregate_strings(cast(w.wait_bin, String) + ":" + cast(w.tasks, String), ",")
            strings = (
                await session.execute(select(w.period_start, pairs).where(*scope).group_by(w.period_start))
            ).all()
            return [
                (_as_utc(start), int(index), int(count))
                for start, text in strings
                for index, count in (pair.split(":") for pair in text.split(","))
            ]
        rows = (await session.execute(select(w.wait_bin, func.sum(w.tasks)).where(*scope).group_by(w.wait_bin))).all()
    assert piece.key is not None
    return [(piece.key, int(index), int(count)) for index, count in rows]


async def top_users(
    session: AsyncSession, pieces: Sequence[Piece], user_id: uuid.UUID | None, limit: int
) -> tuple[list[UserUsage], int]:
    """The `limit` users with the most images, and how many users finished a task at all."""
    if not pieces:
        return [], 0
    u = _usage_rows(pieces, user_id).subquery().c
    images = func.sum(u.images)
    tasks = func.sum(u.tasks)
    stmt = (
        select(u.user_id, images, tasks, func.sum(u.gpu_seconds), func.count().over())
        .group_by(u.user_id)
        .order_by(images.desc(), tasks.desc(), u.user_id)
        .limit(limit)
    )
    rows = (await session.execute(stmt)).all()
    top = [UserUsage(user_id=row[0], images=int(row[1]), tasks=int(row[2]), gpu_seconds=float(row[3])) for row in rows]
    return top, int(rows[0][4]) if rows else 0


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
