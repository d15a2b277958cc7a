"""Revision 0005 (issue 10): review_status from approval on existing images, the models match the schema, and
downgrading to 0004 removes the new tables and columns and keeps the images."""

from __future__ import annotations

import asyncio
import pkgutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import zimage_gallery
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from zimage_common.db import Database
from zimage_common.migrations import downgrade, upgrade
from zimage_gallery.config import Settings
from zimage_gallery.database import Base, migration_target

from tests.support.databases import create_pg_database, drop_pg_database

for _module in pkgutil.walk_packages(zimage_gallery.__path__, "zimage_gallery."):
    if _module.name.endswith(".models"):
        import_module(_module.name)

MADE = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
NEW_TABLES = {
    "brand_kits",
    "brand_kit_fonts",
    "brand_kit_logos",
    "image_overlays",
    "campaigns",
    "campaign_images",
    "image_comments",
}
NEW_IMAGE_COLUMNS = {"review_status", "review_updated_at", "brand_kit_id", "brand_guidance"}
IMAGES_0004 = sa.table(
    "images",
    *(
        sa.column(name, type_)
        for name, type_ in [
            ("id", sa.Uuid()),
            ("owner_id", sa.Uuid()),
            ("task_id", sa.Uuid()),
            ("index", sa.Integer()),
            ("png_key", sa.String()),
            ("thumb_key", sa.String()),
            ("png_bytes", sa.BigInteger()),
            ("width", sa.Integer()),
            ("height", sa.Integer()),
            ("generation_width", sa.Integer()),
            ("generation_height", sa.Integer()),
            ("prompt", sa.Text()),
            ("seed", sa.BigInteger()),
            ("steps", sa.Integer()),
            ("guidance_scale", sa.Float()),
            ("created_at", sa.DateTime()),
            ("ingested_at", sa.DateTime()),
            ("favorite", sa.Boolean()),
            ("approval", sa.String()),
            ("search_text", sa.Text()),
            ("original_missing", sa.Boolean()),
            ("updated_at", sa.DateTime()),
        ]
    ),
)


@pytest.fixture
def fresh(backend: str, tmp_path: Path) -> Iterator[Settings]:
    """A database no other test touches: this module migrates it down and up."""
    url = create_pg_database() if backend == "postgres" else None
    try:
        yield Settings(database_url=url, data_dir=tmp_path, redis_url=None, s3_endpoint_url=None)
    finally:
        if url:
            drop_pg_database(url)


def _run(settings: Settings, work: Any) -> Any:
    async def run() -> Any:
        db = Database(settings.resolved_database_url(), settings.database_schema)
        try:
            async with db.engine.begin() as conn:
                return await conn.run_sync(work)
        finally:
            await db.dispose()

    return asyncio.run(run())


def _image(approval: str, n: int) -> dict[str, Any]:
    # naive UTC: the plain DateTime columns of this hand-made table bind as they are on both backends
    made = (MADE + timedelta(minutes=n)).replace(tzinfo=None)
    return {
        "id": uuid.uuid4(),
        "owner_id": uuid.uuid4(),
        "task_id": uuid.uuid4(),
        "index": 0,
        "png_key": f"k{n}.png",
        "thumb_key": f"k{n}.webp",
        "png_bytes": 1,
        "width": 8,
        "height": 8,
        "generation_width": 8,
        "generation_height": 8,
        "prompt": "p",
        "seed": 1,
        "steps": 1,
        "guidance_scale": 0.0,
        "created_at": made,
        "ingested_at": made,
        "favorite": False,
        "approval": approval,
        "search_text": "p",
        "original_missing": False,
        "updated_at": made,
    }


def _differences(conn: Connection, version_table: str) -> list[Any]:
    """Differences between the models and the schema, over the tables that have models (the FTS5 table and
    PostgreSQL's generated search vector are each database's own, unmapped)."""

    def include(obj: Any, name: str | None, kind: str, reflected: bool, _: Any) -> bool:
        if kind == "table":
            return name in Base.metadata.tables
        if kind == "column" and name == "search_vector":
            return False
        return not (kind == "index" and name == "ix_images_search")

    context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include})
    return list(compare_metadata(context, Base.metadata))


def test_review_status_comes_from_approval_and_downgrade_keeps_the_images(fresh: Settings) -> None:
    target = migration_target(fresh)
    upgrade(target, "0004")
    images = [_image(a, n) for n, a in enumerate(["draft", "approved", "rejected"])]
    _run(fresh, lambda c: c.execute(sa.insert(IMAGES_0004).values(images)))

    upgrade(target, "0005")
    rows = _run(
        fresh,
        lambda c: c.execute(
            sa.text("SELECT id, approval, review_status, review_updated_at, brand_kit_id, brand_guidance FROM images")
        ).all(),
    )
    by_id = {uuid.UUID(str(r.id)): r for r in rows}
    statuses = [(by_id[i["id"]].approval, by_id[i["id"]].review_status) for i in images]
    assert statuses == [("draft", "draft"), ("approved", "approved"), ("rejected", "changes_requested")]
    assert by_id[images[0]["id"]].review_updated_at is None
    assert by_id[images[1]["id"]].review_updated_at is not None
    assert {(r.brand_kit_id, r.brand_guidance) for r in rows} == {(None, None)}

    tables = set(_run(fresh, lambda c: sa.inspect(c).get_table_names(schema=fresh.database_schema)))
    assert tables >= NEW_TABLES
    assert NEW_TABLES & set(Base.metadata.tables) >= {"brand_kits", "brand_kit_fonts", "brand_kit_logos"}
    upgrade(target)  # 0006 drops `approval`: the models match the head
    assert _run(fresh, lambda c: _differences(c, target.version_table)) == []

    downgrade(target, "0004")
    tables = set(_run(fresh, lambda c: sa.inspect(c).get_table_names(schema=fresh.database_schema)))
    assert not NEW_TABLES & tables
    columns = {c["name"] for c in _run(fresh, lambda c: sa.inspect(c).get_columns("images"))}
    assert not NEW_IMAGE_COLUMNS & columns
    assert len(_run(fresh, lambda c: c.execute(sa.text("SELECT id FROM images")).all())) == 3

    upgrade(target)
    again = _run(fresh, lambda c: c.execute(sa.text("SELECT review_status FROM images")).all())
    assert sorted(r.review_status for r in again) == ["approved", "changes_requested", "draft"]
