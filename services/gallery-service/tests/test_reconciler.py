"""P3 no orphans: the reconciler removes objects without a record past the grace period, and nothing else.

Runs on {SQLite, PostgreSQL} × {local folder, S3 (moto)}: as a function, as the CLI, and as the periodic job.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from zimage_common.db import Database
from zimage_gallery.reconciler.periodic import PeriodicReconciler
from zimage_gallery.reconciler.service import reconcile

from tests.support.object_store_matrix import data_dir, database_url, gallery_overrides  # noqa: F401 - fixtures

GRACE = timedelta(seconds=2)
IMAGES = "/api/v1/gallery/images"


@pytest.fixture
async def db(gallery: Any) -> AsyncIterator[Database]:
    database = Database(gallery.settings.resolved_database_url(), gallery.settings.database_schema)
    yield database
    await database.dispose()


def orphan_keys(kind: str, count: int) -> list[str]:
    keys = []
    for i in range(count):
        base = f"{uuid.uuid4()}/{uuid.uuid4()}/{i % 4}"
        keys.append([f"{base}.png", f"{base}.webp", f"{base}.export.instagram_square.90.jpg"][i % 3])
    return keys


async def put(seed: Any, keys: list[str]) -> None:
    for key in keys:
        await seed.store.put(key, b"orphan", "application/octet-stream")


async def exists(seed: Any, keys: list[str]) -> list[bool]:
    return [await seed.store.exists(k) for k in keys]


async def test_removes_old_orphans_and_spares_live_objects(gallery: Any, seed: Any, db: Database) -> None:
    user = await gallery.user()
    live_records = await seed.images(user, 5)  # 10 live objects: a PNG and a thumbnail each
    live = [k for r in live_records for k in (r["png_key"], r["thumb_key"])]
    resp = await gallery.call(
        "GET", f"{IMAGES}/{live_records[0]['id']}/export", user, params={"preset": "kakao_feed", "format": "webp"}
    )
    assert resp.status_code == 307
    export_key = f"{live_records[0]['png_key'].removesuffix('.png')}.export.kakao_feed_draft.90.webp"
    live.append(export_key)
    no_original = await seed.image(user, with_objects=False)
    old_orphans = orphan_keys("old", 10)
    await put(seed, old_orphans)
    not_ours = ["avatars/someone.png", f"{uuid.uuid4()}/notes.txt"]
    await put(seed, not_ours)
    await asyncio.sleep(GRACE.total_seconds() + 1.5)  # everything so far is older than the grace period
    fresh_orphans = orphan_keys("fresh", 4)
    await put(seed, fresh_orphans)

    dry = await reconcile(db, seed.store, grace=GRACE, dry_run=True)
    assert dry.orphans_found == 10 and dry.orphans_removed == 0 and dry.orphans_too_recent == 4
    assert dry.records_missing_original == 1 and dry.records_newly_flagged == 1
    assert all(await exists(seed, old_orphans))
    assert (await gallery.ok("GET", f"{IMAGES}/{no_original['id']}", user))["original_missing"] is False

    report = await reconcile(db, seed.store, grace=GRACE)
    assert report.orphans_found == 10 and report.orphans_removed == 10 and report.delete_failures == 0
    assert report.orphans_too_recent == 4 and report.orphans_spared == 0
    assert report.objects_live == 11 and report.objects_considered == 25
    assert report.objects_listed == 27
    assert not any(await exists(seed, old_orphans))
    assert all(await exists(seed, live)), "a live object was removed"
    assert all(await exists(seed, fresh_orphans)), "an orphan inside the grace period was removed"
    assert all(await exists(seed, not_ours)), "an object that is not the gallery's was removed"
    assert report.records_missing_original == 1 and report.records_newly_flagged == 1
    assert (await gallery.ok("GET", f"{IMAGES}/{no_original['id']}", user))["original_missing"] is True
    for record in live_records:
        assert (await gallery.ok("GET", f"{IMAGES}/{record['id']}", user))["original_missing"] is False

    # the original comes back (e.g. restored from a backup): the flag goes
    await seed.put_objects(no_original)
    again = await reconcile(db, seed.store, grace=timedelta(hours=24))
    assert again.orphans_removed == 0 and again.records_missing_original == 0 and again.records_unflagged == 1
    assert (await gallery.ok("GET", f"{IMAGES}/{no_original['id']}", user))["original_missing"] is False


def _cli_env(settings: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GALLERY_", "S3_", "DATABASE_URL"))}
    env |= {"DATA_DIR": str(settings.data_dir), "LOG_LEVEL": "WARNING"}
    if settings.database_url:
        env["DATABASE_URL"] = settings.database_url
    if settings.s3_endpoint_url:
        env |= {
            "S3_ENDPOINT_URL": settings.s3_endpoint_url,
            "S3_BUCKET": settings.s3_bucket,
            "S3_REGION": settings.s3_region,
            "S3_ACCESS_KEY": settings.s3_access_key,
            "S3_SECRET_KEY": settings.s3_secret_key,
        }
    return env


async def test_cli(gallery: Any, seed: Any) -> None:
    user = await gallery.user()
    live = await seed.image(user)
    orphans = orphan_keys("cli", 3)
    await put(seed, orphans)
    await asyncio.sleep(1.5)
    command = [sys.executable, "-m", "zimage_gallery.reconciler", "--grace-hours", str(1 / 3600)]

    def run(*extra: str) -> dict[str, str]:
        done = subprocess.run(
            [*command, *extra],
            env=_cli_env(gallery.settings),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return dict(line.split(None, 1) for line in done.stdout.splitlines() if line.strip())

    dry = run("--dry-run")
    assert dry["dry_run"] == "True" and int(dry["orphans_found"]) >= 3 and dry["orphans_removed"] == "0"
    assert all(await exists(seed, orphans))
    counts = run()
    assert int(counts["orphans_removed"]) == int(dry["orphans_found"]) >= 3
    assert not any(await exists(seed, orphans))
    assert all(await exists(seed, [live["png_key"], live["thumb_key"]]))

    bad = subprocess.run(  # noqa: ASYNC221 - a short CLI run; nothing else needs this loop meanwhile
        [*command[:3], "--grace-hours", "-1"],
        env=_cli_env(gallery.settings),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2 and "must not be negative" in bad.stderr


async def test_periodic_job(gallery: Any, seed: Any, db: Database) -> None:
    orphans = orphan_keys("periodic", 2)
    await put(seed, orphans)
    await asyncio.sleep(1.5)
    settings = gallery.settings.model_copy(
        update={"reconcile_interval_seconds": 0.2, "reconcile_grace_hours": 1 / 3600}
    )
    job = PeriodicReconciler(db, seed.store, settings)
    job.start()
    try:
        for _ in range(100):
            if job.last is not None:
                break
            await asyncio.sleep(0.1)
    finally:
        await job.stop()
    assert job.last is not None and job.last.orphans_removed >= 2
    assert not any(await exists(seed, orphans))
    idle = PeriodicReconciler(db, seed.store, gallery.settings)  # the tests' settings: interval 0, off
    idle.start()
    assert idle._task is None
