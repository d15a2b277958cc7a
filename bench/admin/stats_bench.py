"""Times GET /api/v1/admin/stats's queries on a year of tasks, on SQLite and PostgreSQL, before and after
migration 0002 (its usage indexes).

    uv run python bench/admin/stats_bench.py [--rows 1000000] [--users 50] [--runs 5]

Seeds `--rows` finished tasks of `--users` users spread over the last 365 days into a throwaway SQLite file
and a throwaway PostgreSQL database (`zimage_bench_stats` on TEST_POSTGRES_URL's server, dropped after), migrated
to revision 0001 (before) and then to head (after). Each case runs `stats.service.stats` (everything the route
runs except HTTP and the JWT check: the series, the totals and the top users) `--runs` times after one warm-up;
the table shows the median. Results: bench/results/admin_stats.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from zimage_common.db import Database
from zimage_common.migrations import upgrade
from zimage_image.config import Settings
from zimage_image.database import migration_target
from zimage_image.stats import service

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_NAME = "zimage_bench_stats"
COLUMNS = (
    "id",
    "user_id",
    "status",
    "prompt",
    "width",
    "height",
    "gen_width",
    "gen_height",
    "num_images",
    "seed",
    "steps",
    "guidance_scale",
    "source",
    "attempts",
    "cancel_requested",
    "progress_step",
    "progress_total",
    "event_seq",
    "created_at",
    "started_at",
    "finished_at",
    "queue_wait_seconds",
    "gpu_seconds",
)
PROMPT = "서울 야경을 배경으로 한 커피 광고, cinematic light, 35mm, product shot on a marble table"


def rows(count: int, users: int, now: datetime) -> list[tuple[Any, ...]]:
    rng = random.Random(2026)
    people = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(users)]
    weights = [1 / (i + 1) for i in range(users)]  # a few heavy users, a long tail
    out = []
    for _ in range(count):
        finished = now - timedelta(seconds=rng.uniform(0, 365 * 86400))
        roll = rng.random()
        status = "completed" if roll < 0.9 else "failed" if roll < 0.97 else "canceled"
        started = status != "canceled" or rng.random() < 0.5
        wait = rng.lognormvariate(1.0, 1.0) if started else None
        n = rng.randint(1, 4)
        gpu = n * rng.uniform(0.6, 1.4) if started else 0.0
        created = finished - timedelta(seconds=(wait or 1.0) + gpu)
        out.append(
            (
                uuid.UUID(int=rng.getrandbits(128)),
                rng.choices(people, weights)[0],
                status,
                PROMPT,
                1024,
                1024,
                1024,
                1024,
                n,
                rng.getrandbits(31),
                8,
                0.0,
                "web",
                1 if started else 0,
                False,
                8 if status == "completed" else 0,
                8,
                3,
                created,
                created + timedelta(seconds=wait) if wait is not None else None,
                finished,
                wait,
                gpu,
            )
        )
    return out


def sqlite_value(v: Any) -> Any:
    if isinstance(v, uuid.UUID):
        return v.hex  # SQLAlchemy's Uuid on SQLite: 32 hex characters
    if isinstance(v, datetime):
        return v.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if isinstance(v, bool):
        return int(v)
    return v


def seed_sqlite(path: Path, data: list[tuple[Any, ...]]) -> None:
    conn = sqlite3.connect(path)
    marks = ",".join("?" * len(COLUMNS))
    conn.executemany(
        f"INSERT INTO tasks ({','.join(COLUMNS)}) VALUES ({marks})",  # noqa: S608 - fixed column names
        ([sqlite_value(v) for v in row] for row in data),
    )
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


async def seed_pg(url: str, data: list[tuple[Any, ...]]) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.copy_records_to_table("tasks", records=data, columns=COLUMNS, schema_name="image")
        await conn.execute("VACUUM ANALYZE image.tasks")
    finally:
        await conn.close()


async def pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


CASES = [("30 days by day", 30, "day"), ("365 days by day", 365, "day"), ("7 days by hour", 7, "hour")]


async def time_cases(settings: Settings, now: datetime, runs: int) -> dict[str, dict[str, float]]:
    db = Database(settings.resolved_database_url(), settings.database_schema)
    out = {}
    try:
        for name, days, bucket in CASES:
            times = []
            for i in range(runs + 1):
                started = time.perf_counter()
                async with db.unit_of_work() as session:
                    result = await service.stats(session, now - timedelta(days=days), now, bucket, None)  # type: ignore[arg-type]
                if i:  # the first run warms the caches
                    times.append((time.perf_counter() - started) * 1000)
            out[name] = {
                "median_ms": round(statistics.median(times), 1),
                "min_ms": round(min(times), 1),
                "max_ms": round(max(times), 1),
                "tasks_counted": result.totals.tasks,
                "buckets": len(result.series),
            }
    finally:
        await db.dispose()
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    t0 = time.perf_counter()
    data = rows(args.rows, args.users, now)
    print(f"generated {len(data):,} tasks in {time.perf_counter() - t0:.0f} s", flush=True)
    results: dict[str, Any] = {}

    with tempfile.TemporaryDirectory() as tmp:
        sqlite_settings = Settings(data_dir=Path(tmp), database_url=None)
        target = migration_target(sqlite_settings)
        upgrade(target, "0001")
        seed_sqlite(Path(tmp) / "image.db", data)
        results["sqlite"] = {"before": asyncio.run(time_cases(sqlite_settings, now, args.runs))}
        started = time.perf_counter()
        upgrade(target)
        with sqlite3.connect(Path(tmp) / "image.db") as conn:
            conn.execute("ANALYZE")
        results["sqlite"]["migration_seconds"] = round(time.perf_counter() - started, 1)
        results["sqlite"]["after"] = asyncio.run(time_cases(sqlite_settings, now, args.runs))
        results["sqlite"]["file_mib"] = round((Path(tmp) / "image.db").stat().st_size / 2**20)
        print("sqlite done", flush=True)

    asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
    asyncio.run(pg_admin(f'CREATE DATABASE "{PG_NAME}"'))
    pg_url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{PG_NAME}"
    try:
        pg_settings = Settings(data_dir=Path(tempfile.gettempdir()), database_url=pg_url)
        target = migration_target(pg_settings)
        upgrade(target, "0001")
        asyncio.run(seed_pg(pg_url, data))
        results["postgresql"] = {"before": asyncio.run(time_cases(pg_settings, now, args.runs))}
        started = time.perf_counter()
        upgrade(target)
        asyncio.run(pg_admin_db(pg_url, "VACUUM ANALYZE image.tasks"))
        results["postgresql"]["migration_seconds"] = round(time.perf_counter() - started, 1)
        results["postgresql"]["after"] = asyncio.run(time_cases(pg_settings, now, args.runs))
        results["postgresql"]["server"] = asyncio.run(pg_version(pg_url))
    finally:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))

    print(f"\n{args.rows:,} finished tasks over 365 days, {args.users} users; median of {args.runs} runs (ms)\n")
    print(
        f"| {'query':<18} | {'SQLite before':>13} | {'SQLite after':>12} "
        f"| {'PostgreSQL before':>17} | {'PostgreSQL after':>16} |"
    )
    print(f"|{'-' * 20}|{'-' * 15}:|{'-' * 14}:|{'-' * 19}:|{'-' * 18}:|")
    for name, _, _ in CASES:
        cells = [
            results[db][when][name]["median_ms"] for db in ("sqlite", "postgresql") for when in ("before", "after")
        ]
        print(f"| {name:<18} | {cells[0]:>13} | {cells[1]:>12} | {cells[2]:>17} | {cells[3]:>16} |")
    out = {
        "rows": args.rows,
        "users": args.users,
        "runs": args.runs,
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
        },
        "results": results,
    }
    path = ROOT / "bench" / "results" / "admin_stats.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"\nwrote {path.relative_to(ROOT)}")
    return 0


async def pg_admin_db(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def pg_version(url: str) -> str:
    conn = await asyncpg.connect(url)
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


if __name__ == "__main__":
    raise SystemExit(main())
