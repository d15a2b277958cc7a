"""POST /generate with brand_kit_id: gallery-service (a real one, on its own database) applies the kit's prompt
guidance at submit; the task records the kit and what it did, and the finished images reach the gallery with
both. An unknown kit is 404 BrandKitNotFound and a result past the prompt limit 422; neither queues anything."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from zimage_common.db import Database, utcnow
from zimage_common.migrations import upgrade
from zimage_gallery.brand_kits.models import BrandKit
from zimage_gallery.config import Settings as GallerySettings
from zimage_gallery.database import migration_target as gallery_migration_target
from zimage_gallery.images.models import GalleryImage
from zimage_gallery.main import create_app as create_gallery_app

from tests.support.databases import create_pg_database, drop_pg_database
from tests.support.servers import ServerThread, free_port, serve

INTERNAL_TOKEN = "image-tests-internal-token-" + "7" * 16  # the image-service suite's (conftest.INTERNAL_TOKEN)


@pytest.fixture(scope="module")
def gallery_settings(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GallerySettings]:
    url = create_pg_database() if backend == "postgres" else None
    data_dir = tmp_path_factory.mktemp(f"image-brand-gallery-{backend}") / "data"
    data_dir.mkdir()
    try:
        yield GallerySettings(
            database_url=url,
            data_dir=Path(data_dir),
            redis_url=None,
            env="development",
            s3_endpoint_url=None,
            internal_token=INTERNAL_TOKEN,
            # only internal routes are called here: no token to verify, no audit row to post
            auth_service_url=f"http://127.0.0.1:{free_port()}",
            reconcile_interval_seconds=0,
        )
    finally:
        if url:
            drop_pg_database(url)


@pytest.fixture(scope="module")
def gallery_server(gallery_settings: GallerySettings) -> Iterator[ServerThread]:
    upgrade(gallery_migration_target(gallery_settings))
    with serve(create_gallery_app(gallery_settings)) as server:
        yield server


@pytest.fixture(scope="module")
def image_overrides(gallery_server: ServerThread) -> dict[str, Any]:
    return {"gallery_service_url": gallery_server.url}


async def _gallery_run(settings: GallerySettings, statement: Any) -> list[Any]:
    db = Database(settings.resolved_database_url(), settings.database_schema)
    try:
        async with db.engine.begin() as conn:
            result = await conn.execute(statement)
            return list(result.all()) if result.returns_rows else []
    finally:
        await db.dispose()


async def _kit(settings: GallerySettings, style: list[str], avoid: list[str]) -> dict[str, Any]:
    """A kit as an administrator makes one (written straight to the gallery's table: its admin API is tested in
    gallery-service)."""
    now = utcnow()
    kit = {
        "id": uuid.uuid4(),
        "name": f"Kit {uuid.uuid4().hex[:8]}",
        "colours": [],
        "style_words": style,
        "avoid_words": avoid,
        "default_font_id": None,
        "created_by": uuid.uuid4(),
        "created_at": now,
        "updated_at": now,
    }
    await _gallery_run(settings, sa.insert(BrandKit).values(kit))
    return kit


async def test_generate_with_a_brand_kit_records_the_guidance_on_task_and_image(
    image: Any, gallery_settings: GallerySettings
) -> None:
    kit = await _kit(gallery_settings, ["clean minimal", "브랜드 레드"], ["cartoon", "네온"])
    user = await image.user()
    mark = image.queue.mark()
    task = await image.submit(user, "Cartoon 네온 sneaker on a bench", brand_kit_id=str(kit["id"]), seed=5)
    assert task["prompt"] == "sneaker on a bench, clean minimal, 브랜드 레드"
    assert task["brand_kit_id"] == str(kit["id"])
    assert task["brand_guidance"] == {
        "brand_kit_name": kit["name"],
        "style_words_added": ["clean minimal", "브랜드 레드"],
        "avoid_words_removed": ["cartoon", "네온"],
        "prompt_before": "Cartoon 네온 sneaker on a bench",
    }
    await image.wait_published(task["id"], since=mark)
    assert (await image.task(user, task["id"]))["brand_guidance"] == task["brand_guidance"]

    await image.run_to_completion(task["id"])
    rows: list[Any] = []
    deadline = time.monotonic() + 15
    while not rows:
        assert time.monotonic() < deadline, "the image never reached the gallery"
        await asyncio.sleep(0.2)
        rows = await _gallery_run(
            gallery_settings,
            sa.select(GalleryImage.prompt, GalleryImage.brand_kit_id, GalleryImage.brand_guidance).where(
                GalleryImage.task_id == uuid.UUID(task["id"])
            ),
        )
    assert [(r.prompt, r.brand_kit_id, r.brand_guidance) for r in rows] == [
        (task["prompt"], kit["id"], task["brand_guidance"])
    ]


async def test_without_a_kit_nothing_is_recorded_and_a_kit_with_nothing_to_do_keeps_the_prompt(
    image: Any, gallery_settings: GallerySettings
) -> None:
    user = await image.user()
    plain = await image.submit(user, "a red  bicycle")
    assert plain["brand_kit_id"] is None and plain["brand_guidance"] is None
    kit = await _kit(gallery_settings, ["clean minimal"], ["cartoon"])
    same = await image.submit(user, "a red  bicycle, clean minimal", brand_kit_id=str(kit["id"]))
    assert same["prompt"] == "a red  bicycle, clean minimal"
    assert same["brand_guidance"]["style_words_added"] == [] and same["brand_guidance"]["avoid_words_removed"] == []


async def test_unknown_kit_is_404_and_too_long_is_422_and_nothing_is_queued(
    image: Any, gallery_settings: GallerySettings
) -> None:
    user = await image.user()
    before = (await image.list_tasks(user))["items"]
    resp = await image.generate(user, {"prompt": "p", "brand_kit_id": str(uuid.uuid4())})
    assert resp.status_code == 404 and resp.json()["error"] == "BrandKitNotFound"

    kit = await _kit(gallery_settings, ["soft daylight"], [])
    resp = await image.generate(user, {"prompt": "x" * 1995, "brand_kit_id": str(kit["id"])})
    assert resp.status_code == 422 and "limit is 2000" in resp.json()["detail"]
    assert (await image.list_tasks(user))["items"] == before

    resp = await image.generate(user, {"prompt": "p", "brand_kit_id": "not-a-uuid"})
    assert resp.status_code == 422
