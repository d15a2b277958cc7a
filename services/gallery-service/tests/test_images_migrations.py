"""Revision 0003 on a database with data: tag links get their image's owner and time, links to no image go,
PostgreSQL's stored search vector is filled; downgrading to 0002 and upgrading again keeps the links."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from zimage_common.db import Database
from zimage_common.migrations import downgrade, upgrade
from zimage_gallery.config import Settings
from zimage_gallery.database import migration_target
from zimage_gallery.images.models import GalleryImage
from zimage_gallery.images.search import index_tokens

from tests.support.databases import create_pg_database, drop_pg_database

OWNER = uuid.uuid4()
MADE = datetime(2026, 2, 1, 12, 30, 0, 250000, tzinfo=UTC)
LINKS_0002 = sa.table("image_tags", sa.column("image_id", sa.Uuid()), sa.column("tag_id", sa.Uuid()))
# the images table as revision 0001 made it (the model has grown columns since)
IMAGES_0001 = sa.table(
    "images",
    *(
        sa.column(c.name, c.type)
        for c in GalleryImage.__table__.c
        if c.name not in {"pk", "review_status", "review_updated_at", "brand_kit_id", "brand_guidance"}
    ),
    sa.column("approval", sa.String()),  # dropped by 0006
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


def _execute(settings: Settings, *statements: Any) -> list[Any]:
    """Run the statements in one transaction; the rows of the last."""

    async def run() -> list[Any]:
        db = Database(settings.resolved_database_url(), settings.database_schema)
        try:
            async with db.engine.begin() as conn:
                for statement in statements[:-1]:
                    await conn.execute(statement)
                result = await conn.execute(statements[-1])
                return list(result.all()) if result.returns_rows else []
        finally:
            await db.dispose()

    return asyncio.run(run())


def _image(n: int) -> dict[str, Any]:
    prompt = f"서울 야경 {n}"
    return {
        "id": uuid.uuid4(),
        "owner_id": OWNER,
        "task_id": uuid.uuid4(),
        "index": 0,
        "png_key": f"k{n}.png",
        "thumb_key": f"k{n}.webp",
        "png_bytes": 1,
        "width": 8,
        "height": 8,
        "generation_width": 8,
        "generation_height": 8,
        "preset": None,
        "prompt": prompt,
        "negative_prompt": None,
        "seed": 1,
        "steps": 1,
        "guidance_scale": 0.0,
        "model": None,
        "engine": None,
        "template_id": None,
        "created_at": MADE + timedelta(seconds=n),
        "ingested_at": MADE,
        "favorite": False,
        "note": None,
        "approval": "draft",
        "folder_id": None,
        "search_text": index_tokens(prompt),
        "original_missing": False,
        "updated_at": MADE,
    }


def test_upgrade_copies_the_image_onto_its_links_and_downgrade_keeps_them(fresh: Settings, backend: str) -> None:
    target = migration_target(fresh)
    upgrade(target, "0002")
    images = [_image(n) for n in range(3)]
    tag, orphan = uuid.uuid4(), uuid.uuid4()
    _execute(
        fresh,
        sa.insert(IMAGES_0001).values(images),
        sa.insert(LINKS_0002).values(
            [{"image_id": i["id"], "tag_id": tag} for i in images] + [{"image_id": orphan, "tag_id": tag}]
        ),
    )

    upgrade(target)
    links = sa.table(
        "image_tags",
        sa.column("image_id", sa.Uuid()),
        sa.column("tag_id", sa.Uuid()),
        sa.column("owner_id", sa.Uuid()),
        sa.column("created_at", sa.DateTime()),
    )
    rows = _execute(fresh, sa.select(links).order_by(links.c.created_at))
    assert [(r.image_id, r.tag_id, r.owner_id) for r in rows] == [(i["id"], tag, OWNER) for i in images]
    assert [r.created_at.replace(tzinfo=UTC) for r in rows] == [i["created_at"] for i in images]
    assert _execute(fresh, sa.text("SELECT count(*) FROM deleted_images")) == [(0,)]
    if backend == "postgres":
        matched = _execute(fresh, sa.text("SELECT count(*) FROM images WHERE search_vector @@ '''야경'''::tsquery"))
        assert matched == [(3,)]

    downgrade(target, "0002")
    assert sorted(_execute(fresh, sa.select(LINKS_0002.c.image_id))) == sorted((i["id"],) for i in images)
    upgrade(target)
    assert len(_execute(fresh, sa.text("SELECT owner_id FROM image_tags WHERE owner_id IS NOT NULL"))) == 3
