"""GET /api/v1/admin/stats: the numbers equal exactly the tasks this module created, checked against a
Python computation (buckets, empty buckets, top users; percentiles within the documented 2.5 % of the exact nearest
rank), every terminal path records its usage once, and the rollup equals a recount of the tasks table, whether
written as tasks finish or backfilled by migration 0003."""

from __future__ import annotations

import asyncio
import math
import random
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from zimage_common.db import Database
from zimage_common.migrations import downgrade, upgrade
from zimage_image.config import Settings
from zimage_image.database import migration_target
from zimage_image.stats import service as stats_service
from zimage_image.stats.models import EVERYONE, QueueWaitBin, QueueWaitRollup, UsageRollup
from zimage_image.stats.repository import WAIT_LOWER_BOUNDS, wait_bin
from zimage_image.tasks.models import Task

API = "/api/v1"
SEEDED_FROM = datetime(2021, 3, 1, tzinfo=UTC)
SEEDED_DAYS = 7
STATUSES = ["completed"] * 6 + ["failed", "failed", "canceled"]


@pytest.fixture(scope="module")
def image_overrides() -> dict[str, Any]:
    return {"lease_seconds": 0.3, "max_attempts": 2}


def seeded_tasks() -> list[Task]:
    """Tasks finished between 2021-03-01 and 03-08 (nothing on 03-04), five users, every outcome."""
    rng = random.Random(6)
    users = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(5)]
    tasks = []
    for _ in range(300):
        day = rng.choice([0, 1, 2, 4, 5, 6])
        finished = SEEDED_FROM + timedelta(days=day, seconds=rng.randrange(86400), microseconds=rng.randrange(10**6))
        status = rng.choice(STATUSES)
        started = status != "canceled" or rng.random() < 0.5
        tasks.append(
            Task(
                id=uuid.uuid4(),
                user_id=rng.choice(users[: 2 + day % 4]),
                status=status,
                prompt="seeded",
                width=1024,
                height=1024,
                gen_width=1024,
                gen_height=1024,
                num_images=rng.randint(1, 4),
                seed=1,
                steps=8,
                guidance_scale=0.0,
                source="web",
                attempts=1 if started else 0,
                cancel_requested=False,
                progress_step=0,
                progress_total=8,
                event_seq=1,
                created_at=finished - timedelta(minutes=5),
                finished_at=finished,
                queue_wait_seconds=round(rng.uniform(0, 120), 3) if started else None,
                gpu_seconds=round(rng.uniform(0.5, 9), 3) if started else 0.0,
            )
        )
    return tasks


@pytest.fixture(scope="module")
async def seeded(stack: Any) -> list[Task]:
    """The seeded tasks, counted in the rollup as the terminal transition counts a finishing task."""
    tasks = seeded_tasks()
    db = Database(stack.settings.resolved_database_url(), stack.settings.database_schema)
    try:
        async with db.unit_of_work() as session:
            session.add_all(tasks)
            for t in tasks:
                assert t.finished_at is not None and t.gpu_seconds is not None
                await stats_service.record_finished(session, t, t.status, t.finished_at, t.gpu_seconds)  # type: ignore[arg-type]
    finally:
        await db.dispose()
    return tasks


def nearest_rank(values: list[float], p: int) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(p * len(ordered) / 100) - 1]


def about(value: float | None) -> Any:
    """The documented resolution of the queue-wait percentiles: 2.5 % (0.5 ms below 1 ms)."""
    return None if value is None else pytest.approx(value, rel=0.025, abs=0.0005)


def expected_point(tasks: Iterable[Task]) -> dict[str, Any]:
    tasks = list(tasks)
    waits = [t.queue_wait_seconds for t in tasks if t.queue_wait_seconds is not None]
    return {
        "images": sum(t.num_images for t in tasks if t.status == "completed"),
        "tasks": len(tasks),
        "failures": sum(t.status == "failed" for t in tasks),
        "canceled": sum(t.status == "canceled" for t in tasks),
        "active_users": len({t.user_id for t in tasks}),
        "gpu_seconds": pytest.approx(sum(t.gpu_seconds or 0.0 for t in tasks)),
        "queue_wait_p50": about(nearest_rank(waits, 50)),
        "queue_wait_p95": about(nearest_rank(waits, 95)),
    }


async def stats(image: Any, **params: Any) -> Any:
    admin = await image.admin()
    return await image.http.get(f"{image.url}{API}/admin/stats", params=params, headers=admin.headers)


async def test_daily_series_equals_the_tasks(image: Any, seeded: list[Task]) -> None:
    end = SEEDED_FROM + timedelta(days=SEEDED_DAYS)
    resp = await stats(image, **{"from": SEEDED_FROM.isoformat(), "to": end.isoformat(), "bucket": "day"})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["bucket"] == "day"
    assert datetime.fromisoformat(body["from"]) == SEEDED_FROM and datetime.fromisoformat(body["to"]) == end

    by_day: dict[datetime, list[Task]] = defaultdict(list)
    for t in seeded:
        assert t.finished_at is not None
        by_day[t.finished_at.replace(hour=0, minute=0, second=0, microsecond=0)].append(t)
    days = [SEEDED_FROM + timedelta(days=i) for i in range(SEEDED_DAYS)]
    assert [datetime.fromisoformat(p["start"]) for p in body["series"]] == days
    for point, day in zip(body["series"], days, strict=True):
        assert {k: v for k, v in point.items() if k != "start"} == expected_point(by_day[day]), day
    empty = body["series"][3]
    assert empty["tasks"] == 0 and empty["images"] == 0 and empty["queue_wait_p50"] is None

    totals = expected_point(seeded)
    judged = totals["tasks"] - totals["canceled"]
    assert body["totals"] == {k: v for k, v in totals.items() if k != "canceled"} | {
        "failure_rate": pytest.approx(totals["failures"] / judged)
    }

    per_user: dict[uuid.UUID, list[Task]] = defaultdict(list)
    for t in seeded:
        per_user[t.user_id].append(t)
    expected_top = sorted(
        (
            {
                "user_id": str(u),
                "images": expected_point(ts)["images"],
                "tasks": len(ts),
                "gpu_seconds": pytest.approx(sum(t.gpu_seconds or 0.0 for t in ts)),
            }
            for u, ts in per_user.items()
        ),
        key=lambda row: (-row["images"], -row["tasks"], row["user_id"]),
    )
    assert body["top_users"] == expected_top


async def test_hourly_series_for_one_user(image: Any, seeded: list[Task]) -> None:
    day = SEEDED_FROM + timedelta(days=1)
    user = max({t.user_id for t in seeded}, key=lambda u: sum(t.user_id == u for t in seeded))
    # a start inside an hour is rounded down to the hour
    resp = await stats(
        image,
        **{
            "from": (day + timedelta(minutes=17)).isoformat(),
            "to": (day + timedelta(days=1)).isoformat(),
            "bucket": "hour",
            "user_id": str(user),
        },
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert datetime.fromisoformat(body["from"]) == day
    assert len(body["series"]) == 24
    for point in body["series"]:
        start = datetime.fromisoformat(point["start"])
        mine = [
            t
            for t in seeded
            if t.user_id == user and t.finished_at and start <= t.finished_at < start + timedelta(hours=1)
        ]
        assert {k: v for k, v in point.items() if k != "start"} == expected_point(mine), start
    assert [row["user_id"] for row in body["top_users"]] == [str(user)]


async def test_range_limits(image: Any) -> None:
    now = datetime.now(UTC)
    for params in (
        {"from": now.isoformat(), "to": (now - timedelta(hours=1)).isoformat()},
        {"from": now.isoformat(), "to": now.isoformat()},
        {"from": (now - timedelta(days=32)).isoformat(), "to": now.isoformat(), "bucket": "hour"},
        {"from": (now - timedelta(days=401)).isoformat(), "to": now.isoformat(), "bucket": "day"},
        {"bucket": "week"},
        # ISO 8601 only: a bare number is not read as a Unix time (as gallery's and audit's ranges)
        {"from": "1700000000", "to": now.isoformat()},
        {"from": (now - timedelta(days=1)).isoformat(), "to": "1700000000.5"},
    ):
        resp = await stats(image, **params)
        assert resp.status_code == 422, (params, resp.text)
    resp = await stats(image, **{"from": (now - timedelta(days=400)).isoformat(), "to": now.isoformat()})
    assert resp.status_code == 200 and len(resp.json()["series"]) == 401, resp.text


async def test_defaults_are_the_last_30_days_by_day(image: Any) -> None:
    body = (await stats(image)).json()
    assert body["bucket"] == "day" and len(body["series"]) == 31
    assert datetime.now(UTC) - datetime.fromisoformat(body["to"]) < timedelta(minutes=1)


# ---- live tasks: every terminal path records its usage -------------------------------------------------


async def finish_every_way(image: Any) -> dict[str, list[tuple[str, Any]]]:
    """Tasks of two users ended by completion, worker failure, poison (attempts used up), cancels."""
    a, b = await image.user(), await image.user()
    ids: dict[str, list[tuple[str, Any]]] = defaultdict(list)
    for user, n in ((a, 2), (a, 1), (b, 3)):
        task = await image.submit(user, num_images=n)
        await image.run_to_completion(task["id"])
        ids["completed"].append((task["id"], user))
    task = await image.submit(b)
    claim = await image.claimed(task["id"])
    await image.internal(task["id"], "fail", {"attempt": claim["attempt"], "error": "CUDA error"})
    ids["failed"].append((task["id"], b))
    poison = await image.submit(a, num_images=2)
    for _ in range(2):  # each attempt's worker dies; the lease runs out
        await image.claimed(poison["id"])
        await asyncio.sleep(0.4)
    assert (await image.claim(poison["id"])).status_code == 409
    ids["failed"].append((poison["id"], a))
    pending = await image.submit(b)
    assert (await image.cancel(b, pending["id"])).status_code == 200
    ids["canceled"].append((pending["id"], b))
    running = await image.submit(a)
    claim = await image.claimed(running["id"])
    await image.cancel(a, running["id"])
    await image.internal(running["id"], "canceled", {"attempt": claim["attempt"]})
    ids["canceled"].append((running["id"], a))
    return ids


async def test_live_tasks_are_counted_exactly(image: Any, seeded: list[Task]) -> None:
    start = datetime.now(UTC) - timedelta(seconds=1)
    made = await finish_every_way(image)
    tasks = []
    for status in ("completed", "failed", "canceled"):
        for task_id, owner in made[status]:
            task = await image.task(owner, task_id)
            assert task["status"] == status, task
            # usage accounting on every terminal path
            assert task["finished_at"] is not None and task["gpu_seconds"] is not None, task
            assert task["gpu_seconds"] >= 0
            tasks.append(task | {"user_id": owner.id})
    never_started = made["canceled"][0][0]
    assert next(t for t in tasks if t["id"] == never_started)["gpu_seconds"] == 0.0

    resp = await stats(
        image,
        **{"from": start.isoformat(), "to": (datetime.now(UTC) + timedelta(seconds=1)).isoformat(), "bucket": "hour"},
    )
    assert resp.status_code == 200, resp.text
    totals = resp.json()["totals"]
    waits = [t["queue_wait_seconds"] for t in tasks if t["queue_wait_seconds"] is not None]
    assert totals["tasks"] == 7 and totals["failures"] == 2
    assert totals["images"] == 6
    assert totals["active_users"] == 2
    assert totals["failure_rate"] == pytest.approx(2 / 5)
    assert totals["gpu_seconds"] == pytest.approx(sum(t["gpu_seconds"] for t in tasks))
    assert totals["queue_wait_p50"] == about(nearest_rank(waits, 50))
    assert totals["queue_wait_p95"] == about(nearest_rank(waits, 95))
    assert sum(p["tasks"] for p in resp.json()["series"]) == 7


async def test_a_partial_last_day_and_hour_count_exactly(image: Any, seeded: list[Task]) -> None:
    """`to` inside an hour: whole days, whole hours and the last minutes each come from their own source."""
    end = SEEDED_FROM + timedelta(days=5, hours=13, minutes=27, seconds=11)
    resp = await stats(image, **{"from": (SEEDED_FROM + timedelta(hours=9)).isoformat(), "to": end.isoformat()})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert [datetime.fromisoformat(p["start"]) for p in body["series"]] == [
        SEEDED_FROM + timedelta(days=i) for i in range(6)
    ]
    last = [t for t in seeded if t.finished_at and SEEDED_FROM + timedelta(days=5) <= t.finished_at < end]
    assert {k: v for k, v in body["series"][-1].items() if k != "start"} == expected_point(last)
    inside = [t for t in seeded if t.finished_at and SEEDED_FROM <= t.finished_at < end]
    assert body["totals"]["tasks"] == len(inside)

    # by hour from an hour that is not a day's start: the totals read hours, whole days, hours, then tasks
    start = SEEDED_FROM + timedelta(days=1, hours=5)
    resp = await stats(image, **{"from": start.isoformat(), "to": end.isoformat(), "bucket": "hour"})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    inside = [t for t in seeded if t.finished_at and start <= t.finished_at < end]
    totals = expected_point(inside)
    judged = totals["tasks"] - totals["canceled"]
    assert body["totals"] == {k: v for k, v in totals.items() if k != "canceled"} | {
        "failure_rate": pytest.approx(totals["failures"] / judged)
    }
    assert sum(p["tasks"] for p in body["series"]) == len(inside)
    assert body["series"][-1]["tasks"] == sum(t.finished_at >= end.replace(minute=0, second=0) for t in inside)  # type: ignore[operator]


# ---- the rollup itself --------------------------------------------------------------------------------


def floor_hour(value: datetime) -> datetime:
    return value.replace(minute=0, second=0, microsecond=0)


def recount(tasks: Iterable[Any]) -> tuple[dict[Any, list[Any]], dict[Any, int]]:
    """What usage_rollup and queue_wait_rollup should hold, counted in Python from task rows."""
    usage: dict[Any, list[Any]] = defaultdict(lambda: [0, 0, 0, 0, 0.0])
    waits: dict[Any, int] = defaultdict(int)
    for t in tasks:
        if t.finished_at is None:
            continue
        hour = floor_hour(t.finished_at)
        for period, start in (("hour", hour), ("day", hour.replace(hour=0))):
            row = usage[(period, start, t.user_id)]
            row[0] += 1
            row[1] += t.num_images if t.status == "completed" else 0
            row[2] += t.status == "failed"
            row[3] += t.status == "canceled"
            row[4] += t.gpu_seconds or 0.0
            if t.queue_wait_seconds is not None:
                for who in (t.user_id, EVERYONE):
                    waits[(period, who, start, wait_bin(t.queue_wait_seconds))] += 1
    return usage, waits


async def read_rollup(settings: Settings) -> tuple[list[Any], dict[Any, list[Any]], dict[Any, int]]:
    db = Database(settings.resolved_database_url(), settings.database_schema)
    try:
        async with db.unit_of_work() as session:
            tasks = (await session.execute(select(Task))).scalars().all()
            u = UsageRollup
            usage = {
                (r.period, r.period_start, r.user_id): [r.tasks, r.images, r.failures, r.canceled, r.gpu_seconds]
                for r in (await session.execute(select(u))).scalars()
            }
            waits = {
                (r.period, r.user_id, r.period_start, r.wait_bin): r.tasks
                for r in (await session.execute(select(QueueWaitRollup))).scalars()
            }
    finally:
        await db.dispose()
    return list(tasks), usage, waits


def assert_equals_recount(tasks: list[Any], usage: dict[Any, list[Any]], waits: dict[Any, int]) -> None:
    want_usage, want_waits = recount(tasks)
    assert {k: v[:4] for k, v in usage.items()} == {k: v[:4] for k, v in want_usage.items()}
    assert {k: v[4] for k, v in usage.items()} == pytest.approx({k: v[4] for k, v in want_usage.items()})
    assert waits == want_waits


async def test_rollup_equals_a_recount_of_the_tasks(image: Any, stack: Any, seeded: list[Task]) -> None:
    await finish_every_way(image)
    tasks, usage, waits = await read_rollup(stack.settings)
    assert len(tasks) >= len(seeded) + 7
    assert_equals_recount(tasks, usage, waits)


async def test_repeated_reports_count_once(image: Any, stack: Any) -> None:
    user = await image.user()
    task = await image.submit(user, num_images=3)
    claim, _ = await image.run_to_completion(task["id"])
    _, before, _ = await read_rollup(stack.settings)
    images, _ = await image.store_images(claim)
    for _ in range(2):  # a redelivered task reports again; a late failure or cancel report follows
        assert (await image.complete(claim, images)).status_code == 200
    await image.internal(task["id"], "fail", {"attempt": claim["attempt"], "error": "late"})
    await image.internal(task["id"], "canceled", {"attempt": claim["attempt"]})
    assert (await image.task(user, task["id"]))["status"] == "completed"
    tasks, after, waits = await read_rollup(stack.settings)
    assert after == before
    mine = {k: v for k, v in after.items() if k[2] == uuid.UUID(user.id)}
    assert [v[:4] for v in mine.values()] == [[1, 3, 0, 0], [1, 3, 0, 0]]  # its hour and its day
    assert_equals_recount(tasks, after, waits)


async def test_the_migration_backfills_finished_tasks(image: Any, stack: Any, seeded: list[Task]) -> None:
    """Back to 0002 (no rollup), then up again: 0003 counts every task finished before it, exactly as the
    terminal transitions had."""
    _, written, written_waits = await read_rollup(stack.settings)
    target = migration_target(stack.settings)
    await asyncio.to_thread(downgrade, target, "0002")
    await asyncio.to_thread(upgrade, target)
    tasks, backfilled, waits = await read_rollup(stack.settings)
    assert_equals_recount(tasks, backfilled, waits)
    assert waits == written_waits
    assert {k: v[:4] for k, v in backfilled.items()} == {k: v[:4] for k, v in written.items()}


async def test_the_database_bins_waits_as_python_does(stack: Any) -> None:
    db = Database(stack.settings.resolved_database_url(), stack.settings.database_schema)
    try:
        async with db.unit_of_work() as session:
            rows = (await session.execute(select(QueueWaitBin).order_by(QueueWaitBin.wait_bin))).scalars().all()
    finally:
        await db.dispose()
    assert [(r.wait_bin, r.lower_seconds) for r in rows] == list(enumerate(WAIT_LOWER_BOUNDS))
    assert wait_bin(0.0) == 0 and wait_bin(0.001) == 1 and wait_bin(1e9) == len(WAIT_LOWER_BOUNDS) - 1
    for k in range(1, len(WAIT_LOWER_BOUNDS) - 1):  # each bin is 5 % wide
        assert WAIT_LOWER_BOUNDS[k + 1] / WAIT_LOWER_BOUNDS[k] == pytest.approx(1.05)
