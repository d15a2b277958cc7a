"""Revision 0002 seeds the ten built-in templates and the built-in presets; downgrading removes them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from zimage_common.db import Database
from zimage_common.migrations import downgrade, upgrade
from zimage_gallery.config import Settings
from zimage_gallery.database import migration_target

from tests.support.databases import create_pg_database, drop_pg_database

BUILTIN_NAMES = [
    "Product hero shot",
    "Social feed post",
    "Event banner with headline space",
    "Seasonal sale poster",
    "Food menu photo",
    "Cosmetics flat lay",
    "Fashion lookbook",
    "Interior & real estate photo",
    "Tech & SaaS hero illustration",
    "Store opening flyer",
]


@pytest.fixture
def fresh(backend: str, tmp_path: Path) -> Iterator[Settings]:
    """A database no other test touches: this module migrates it down and up."""
    url = create_pg_database() if backend == "postgres" else None
    try:
        yield Settings(database_url=url, data_dir=tmp_path, redis_url=None, s3_endpoint_url=None)
    finally:
        if url:
            drop_pg_database(url)


def _query(settings: Settings, sql: str) -> list[Any]:
    async def run() -> list[Any]:
        db = Database(settings.resolved_database_url(), settings.database_schema)
        try:
            async with db.engine.connect() as conn:
                return list((await conn.execute(text(sql))).all())
        finally:
            await db.dispose()

    return asyncio.run(run())


def _tables(settings: Settings) -> set[str]:
    async def run() -> set[str]:
        db = Database(settings.resolved_database_url(), settings.database_schema)
        try:
            async with db.engine.connect() as conn:
                return set(await conn.run_sync(lambda c: inspect(c).get_table_names(schema=settings.database_schema)))
        finally:
            await db.dispose()

    return asyncio.run(run())


def test_upgrade_seeds_the_built_ins_and_downgrade_removes_them(fresh: Settings) -> None:
    target = migration_target(fresh)
    upgrade(target)

    templates = _query(fresh, "SELECT id, scope, owner_id, name_en FROM templates ORDER BY created_at")
    assert [row.name_en for row in templates] == BUILTIN_NAMES
    assert {row.scope for row in templates} == {"builtin"}
    assert {row.owner_id for row in templates} == {None}
    presets = _query(fresh, "SELECT id, owner_id, category FROM prompt_presets")
    assert len(presets) == 24
    assert {row.owner_id for row in presets} == {None}
    counts = {c: sum(1 for row in presets if row.category == c) for c in {row.category for row in presets}}
    assert counts == {"lighting": 5, "camera": 5, "mood": 5, "palette": 5, "style": 4}

    downgrade(target, "0001")
    tables = _tables(fresh)
    assert "templates" not in tables
    assert "prompt_presets" not in tables
    assert _query(fresh, "SELECT version_num FROM alembic_version_gallery") == [("0001",)]

    # upgrading again gives the same rows with the same ids: installs agree on the built-ins' ids
    upgrade(target)
    again = _query(fresh, "SELECT id, scope, owner_id, name_en FROM templates ORDER BY created_at")
    assert [(r.id, r.name_en) for r in again] == [(r.id, r.name_en) for r in templates]
    assert sorted(r.id for r in _query(fresh, "SELECT id, owner_id, category FROM prompt_presets")) == sorted(
        r.id for r in presets
    )
