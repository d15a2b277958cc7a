"""Backup, wipe, restore: the same users, tasks and images come back, and the same objects byte for byte.

Runs scripts/backup.sh and scripts/restore.sh as subprocesses against a throwaway PostgreSQL database
(this machine's pg_dump/psql) and the local object store, the way `make backup LOCAL=1` runs them.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.ops.platform import running_platform
from tests.support.databases import create_pg_database, drop_pg_database

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ("auth", "image", "gallery")


@pytest.fixture
def database_url() -> Iterator[str]:
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


def snapshot(url: str) -> dict[str, list[str]]:
    """Every row of every table in the services' schemas, as JSON text, in a stable order."""

    async def read() -> dict[str, list[str]]:
        conn = await asyncpg.connect(url)
        try:
            tables = await conn.fetch(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema = any($1::text[]) and table_type = 'BASE TABLE'",
                list(SCHEMAS),
            )
            out = {}
            for t in tables:
                name = f'"{t["table_schema"]}"."{t["table_name"]}"'
                rows = await conn.fetch(f"select row_to_json(t)::text as j from {name} t")  # noqa: S608
                out[name] = sorted(r["j"] for r in rows)
            return out
        finally:
            await conn.close()

    return asyncio.run(read())


def objects(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def script(name: str, *args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "scripts" / name), *args], env=env, capture_output=True, text=True, timeout=180, input=stdin
    )


def test_backup_wipe_restore_round_trip(database_url: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with running_platform(database_url, data_dir) as platform:
        alice, bob = platform.user(), platform.user()
        platform.complete(platform.submit(alice, num_images=2))
        platform.complete(platform.submit(bob, num_images=1))
        platform.submit(alice, num_images=1)  # still waiting: pending rows and outbox come back too
    before, stored = snapshot(database_url), objects(data_dir / "objects")
    users = next(v for k, v in before.items() if k == '"auth"."users"')
    tasks = next(v for k, v in before.items() if k == '"image"."tasks"')
    images = next(v for k, v in before.items() if k == '"image"."task_images"')
    assert len(users) >= 2 and len(tasks) == 3 and len(images) == 3
    assert len(stored) == 6  # a PNG and a thumbnail per image

    env = {k: v for k, v in os.environ.items() if not k.startswith(("S3_", "PG_EXEC", "OBJECTS_EXEC", "BACKUP_"))}
    env |= {
        "DATABASE_URL": database_url,
        "DATA_DIR": str(data_dir),
        "BACKUP_DIR": str(tmp_path / "backups"),
        "OBJECTS_EXEC": f"{sys.executable} scripts/object_archive.py",
    }
    made = script("backup.sh", env=env)
    assert made.returncode == 0, made.stderr
    backup = Path(made.stdout.strip().splitlines()[-1])
    backup = backup if backup.is_absolute() else ROOT / backup
    manifest = (backup / "manifest.txt").read_text()
    assert "objects=6" in manifest and all(s in manifest for s in SCHEMAS)

    # wipe: every service's schema gone, objects gone, and a stray object the backup never had
    async def drop() -> None:
        conn = await asyncpg.connect(database_url)
        try:
            for schema in SCHEMAS:
                await conn.execute(f'drop schema "{schema}" cascade')
        finally:
            await conn.close()

    asyncio.run(drop())
    for path in (data_dir / "objects").rglob("*"):
        if path.is_file():
            path.unlink()
    stray = data_dir / "objects" / "someone" / "stray.png"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"not in the backup")
    assert snapshot(database_url) == {}

    restored = script("restore.sh", str(backup), "--yes", env=env)
    assert restored.returncode == 0, restored.stderr
    assert snapshot(database_url) == before
    assert objects(data_dir / "objects") == stored  # byte-identical, and the stray one is gone


def test_restore_refuses_a_damaged_backup_and_changes_nothing(database_url: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with running_platform(database_url, data_dir) as platform:
        platform.complete(platform.submit(platform.user(), num_images=1))
    env = os.environ | {
        "DATABASE_URL": database_url,
        "DATA_DIR": str(data_dir),
        "BACKUP_DIR": str(tmp_path / "b"),
        "OBJECTS_EXEC": f"{sys.executable} scripts/object_archive.py",
    }
    made = script("backup.sh", env=env)
    assert made.returncode == 0, made.stderr
    backup = Path(made.stdout.strip().splitlines()[-1])
    with (backup / "objects.tar").open("ab") as tar:
        tar.write(b"\0" * 512)
    before = snapshot(database_url)
    refused = script("restore.sh", str(backup), "--yes", env=env)
    assert refused.returncode == 1 and "checksums do not match" in refused.stderr
    unconfirmed = subprocess.run(
        [str(ROOT / "scripts/restore.sh"), str(tmp_path / "nope")], env=env, capture_output=True, text=True, timeout=60
    )
    assert unconfirmed.returncode == 1 and "missing" in unconfirmed.stderr
    assert snapshot(database_url) == before


def test_backups_are_kept_up_to_the_limit(database_url: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with running_platform(database_url, data_dir):
        pass  # migrations only: an empty platform backs up too
    env = os.environ | {
        "DATABASE_URL": database_url,
        "DATA_DIR": str(data_dir),
        "BACKUP_DIR": str(tmp_path / "b"),
        "BACKUP_KEEP": "2",
        "OBJECTS_EXEC": f"{sys.executable} scripts/object_archive.py",
    }
    made = [script("backup.sh", env=env) for _ in range(3)]
    assert all(m.returncode == 0 for m in made), [m.stderr for m in made]
    kept = sorted(p.name for p in (tmp_path / "b").iterdir())
    assert kept == sorted(Path(m.stdout.strip()).name for m in made[1:])
