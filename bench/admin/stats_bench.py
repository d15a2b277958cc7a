"""Times GET /api/v1/admin/stats on a year of tasks, on SQLite and PostgreSQL: the direct query over the tasks
table (the baseline, bench/admin/direct_stats.py, with migration 0002's covering index) beside the rollup of
migration 0003, on the same data in the same run, and checks that both give the same numbers.

    uv run python bench/admin/stats_bench.py [--rows 1000000] [--users 50] [--runs 5]

Seeds `--rows` finished tasks of `--users` users spread over the last 365 days into a throwaway SQLite file
and a throwaway PostgreSQL database (`zimage_bench_stats` on TEST_POSTGRES_URL's server, dropped after) migrated
to 0002, times the direct query, migrates to head (0003 backfills the rollup; timed), and times
`stats.service.stats`. Each case runs everything the route runs except HTTP and the JWT check (the series, the
totals and the top users) `--runs` times after one warm-up; the table shows the median and the ratio. `to` is
the current time, inside an hour. Results: bench/results/admin_stats.json.
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
import direct_stats  # bench/admin/direct_stats.py: the query before the rollup
from zimage_common.db import Database
from zimage_common.migrations import upgrade
from zimage_image.config import Settings
from zimage_image.database import migration_target
from zimage_image.stats import service
from zimage_image.stats.schemas import StatsOut

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


CASES = [
    ("30 days by day", 30, "day", False),
    ("365 days by day", 365, "day", False),
    ("365 days by day, one user", 365, "day", True),
    ("7 days by hour", 7, "hour", False),
    ("31 days by hour", 31, "hour", False),
]
QUERIES = {"direct": direct_stats.stats, "rollup": service.stats}


async def time_cases(
    settings: Settings, now: datetime, runs: int, how: str, heaviest: uuid.UUID
) -> tuple[dict[str, dict[str, Any]], dict[str, StatsOut]]:
    db = Database(settings.resolved_database_url(), settings.database_schema)
    out, answers = {}, {}
    try:
        for name, days, bucket, one_user in CASES:
            times = []
            for i in range(runs + 1):
                started = time.perf_counter()
                async with db.unit_of_work() as session:
                    result = await QUERIES[how](
                        session,
                        now - timedelta(days=days),
                        now,
                        bucket,  # type: ignore[arg-type]
                        heaviest if one_user else None,
                    )
                if i:  # the first run warms the caches
                    times.append((time.perf_counter() - started) * 1000)
            answers[name] = result
            out[name] = {
                "median_ms": round(statistics.median(times), 1),
                "min_ms": round(min(times), 1),
                "max_ms": round(max(times), 1),
                "tasks_counted": result.totals.tasks,
                "buckets": len(result.series),
            }
    finally:
        await db.dispose()
    return out, answers


def differences(direct: StatsOut, rollup: StatsOut) -> list[str]:
    """Where the rollup disagrees with the direct query: counts must be equal, GPU seconds equal up to float
    summation order, percentiles within the documented 2.5 % (0.5 ms)."""
    out = []

    def check(where: str, a: dict[str, Any], b: dict[str, Any]) -> None:
        for k, x in a.items():
            y = b[k]
            if k.startswith("queue_wait"):
                ok = (x is None) == (y is None) and (x is None or abs(x - y) <= max(0.025 * x, 0.0005))
            elif isinstance(x, float):
                ok = abs(x - y) <= 1e-9 * max(1.0, abs(x))
            else:
                ok = x == y
            if not ok:
                out.append(f"{where}.{k}: direct {x!r}, rollup {y!r}")

    if len(direct.series) != len(rollup.series):
        return [f"series length {len(direct.series)} != {len(rollup.series)}"]
    for a, b in zip(direct.series, rollup.series, strict=True):
        check(f"series[{a.start:%Y-%m-%d %H}]", a.model_dump(), b.model_dump())
    check("totals", direct.totals.model_dump(), rollup.totals.model_dump())
    if [u.model_dump() for u in direct.top_users] != [u.model_dump() for u in rollup.top_users]:
        check(
            "top_users",
            {"users": [u.user_id for u in direct.top_users]},
            {"users": [u.user_id for u in rollup.top_users]},
        )
    return out


def run_backend(
    name: str, settings: Settings, seed: Any, analyze: Any, now: datetime, runs: int, heaviest: uuid.UUID
) -> dict[str, Any]:
    target = migration_target(settings)
    upgrade(target, "0002")
    seed()
    direct, direct_answers = asyncio.run(time_cases(settings, now, runs, "direct", heaviest))
    started = time.perf_counter()
    upgrade(target)  # 0003: creates the rollup and backfills it from the seeded tasks
    analyze()
    migration = round(time.perf_counter() - started, 1)
    rollup, rollup_answers = asyncio.run(time_cases(settings, now, runs, "rollup", heaviest))
    diffs = {case: differences(direct_answers[case], rollup_answers[case]) for case, *_ in CASES}
    for case, found in diffs.items():
        for line in found[:5]:
            print(f"{name} {case}: {line}", flush=True)
    print(f"{name} done", flush=True)
    return {
        "direct": direct,
        "migration_0003_seconds": migration,
        "rollup": rollup,
        "rollup_equals_direct": {case: not found for case, found in diffs.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    now = datetime.now(UTC)  # `to` inside an hour, as the dashboard asks: the last minutes come from the tasks
    t0 = time.perf_counter()
    data = rows(args.rows, args.users, now)
    heaviest = statistics.mode(row[1] for row in data)
    print(f"generated {len(data):,} tasks in {time.perf_counter() - t0:.0f} s", flush=True)
    results: dict[str, Any] = {}

    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "image.db"
        results["sqlite"] = run_backend(
            "sqlite",
            Settings(data_dir=Path(tmp), database_url=None),
            lambda: seed_sqlite(file, data),
            lambda: sqlite3.connect(file).execute("ANALYZE").connection.close(),
            now,
            args.runs,
            heaviest,
        )
        results["sqlite"]["file_mib"] = round(file.stat().st_size / 2**20)

    asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
    asyncio.run(pg_admin(f'CREATE DATABASE "{PG_NAME}"'))
    pg_url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{PG_NAME}"
    try:
        results["postgresql"] = run_backend(
            "postgresql",
            Settings(data_dir=Path(tempfile.gettempdir()), database_url=pg_url),
            lambda: asyncio.run(seed_pg(pg_url, data)),
            lambda: asyncio.run(pg_admin_db(pg_url, "VACUUM ANALYZE")),
            now,
            args.runs,
            heaviest,
        )
        results["postgresql"]["server"] = asyncio.run(pg_version(pg_url))
    finally:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))

    print(f"\n{args.rows:,} finished tasks over 365 days, {args.users} users; median of {args.runs} runs (ms)\n")
    print(
        f"| {'query':<26} | {'SQLite direct':>13} | {'SQLite rollup':>13} | {'×':>5} "
        f"| {'PostgreSQL direct':>17} | {'PostgreSQL rollup':>17} | {'×':>5} | equal |"
    )
    print(f"|{'-' * 28}|{'-' * 14}:|{'-' * 14}:|{'-' * 6}:|{'-' * 18}:|{'-' * 18}:|{'-' * 6}:|:-----:|")
    for name, *_ in CASES:
        cells = []
        for db in ("sqlite", "postgresql"):
            before, after = (results[db][how][name]["median_ms"] for how in ("direct", "rollup"))
            cells += [f"{before:>{13 if db == 'sqlite' else 17}}", f"{after:>{13 if db == 'sqlite' else 17}}"]
            cells.append(f"{before / after:>5.0f}")
        equal = all(results[db]["rollup_equals_direct"][name] for db in ("sqlite", "postgresql"))
        print(f"| {name:<26} | {' | '.join(cells)} | {'yes' if equal else 'NO':>5} |")
    print(
        f"\nmigration 0003 (create + backfill): SQLite {results['sqlite']['migration_0003_seconds']} s, "
        f"PostgreSQL {results['postgresql']['migration_0003_seconds']} s"
    )
    out = {
        "rows": args.rows,
        "users": args.users,
        "runs": args.runs,
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "load_average": [round(x, 1) for x in os.getloadavg()],
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
