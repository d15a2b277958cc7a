"""Throwaway databases: a SQLite file per test, a PostgreSQL database per run on 127.0.0.1:5432."""

from __future__ import annotations

import asyncio
import os
import uuid

import asyncpg

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_pg_database() -> str:
    """Create a uniquely named database and return its plain postgresql:// URL."""
    name = f"zimage_test_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        raise RuntimeError(
            f"PostgreSQL is required for the tests and is not reachable at {PG_ADMIN_URL}: {exc}. "
            "Start it (pg_ctlcluster <version> main start) or set TEST_POSTGRES_URL."
        ) from exc
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
