"""PUT /internal/v1/images: image-service's hand-over, idempotent by image id, behind the service token; an
image the user deleted is never stored again."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from zimage_common.db import Database, utcnow
from zimage_gallery.images import repository


async def test_ingest_is_idempotent_and_keeps_user_edits(gallery: Any, seed: Any) -> None:
    owner = await gallery.user()
    records = [seed.record(owner, index=i, task_id=str(uuid.uuid4())) for i in range(3)]
    first = await seed.ingest(records)
    assert first.status_code == 200, first.text
    assert first.json() == {"ingested": 3, "created": 3, "skipped": 0}

    image_id = records[0]["id"]
    folder = await gallery.ok("POST", "/api/v1/gallery/folders", owner, json={"name": "캠페인"}, status=201)
    await gallery.ok(
        "PATCH",
        f"/api/v1/gallery/images/{image_id}",
        owner,
        json={"favorite": True, "note": "keep", "folder_id": folder["id"], "tags": ["a"]},
    )
    await gallery.ok("POST", f"/api/v1/gallery/images/{image_id}/review", owner, json={"action": "submit"})

    again = await seed.ingest([*records, {**records[0], "prompt": "changed by a redelivery"}])
    assert again.status_code == 200, again.text
    assert again.json() == {"ingested": 4, "created": 0, "skipped": 0}

    page = await gallery.ok("GET", "/api/v1/gallery/images", owner)
    assert sorted(i["id"] for i in page["items"]) == sorted(r["id"] for r in records)
    image = await gallery.ok("GET", f"/api/v1/gallery/images/{image_id}", owner)
    assert image["favorite"] is True
    assert image["note"] == "keep"
    assert image["review_status"] == "in_review"
    assert image["folder_id"] == folder["id"]
    assert [t["name"] for t in image["tags"]] == ["a"]
    assert image["prompt"] == records[0]["prompt"]


async def test_ingested_fields_come_back(gallery: Any, seed: Any) -> None:
    owner = await gallery.user()
    template_id = str(uuid.uuid4())
    record = (
        await seed.images(
            owner,
            prompt="서울 야경, neon",
            negative_prompt="blurry",
            seed=7,
            width=1080,
            height=1080,
            generation_width=1088,
            generation_height=1088,
            preset="instagram_square",
            template_id=template_id,
        )
    )[0]
    image = await gallery.ok("GET", f"/api/v1/gallery/images/{record['id']}", owner)
    for field in (
        "task_id",
        "index",
        "width",
        "height",
        "generation_width",
        "generation_height",
        "preset",
        "prompt",
        "negative_prompt",
        "seed",
        "steps",
        "guidance_scale",
        "model",
        "engine",
        "template_id",
    ):
        assert image[field] == record[field], field
    assert image["review_status"] == "draft" and image["review_updated_at"] is None
    assert image["favorite"] is False and image["note"] is None
    assert image["tags"] == [] and image["folder_id"] is None and image["original_missing"] is False
    assert image["url"] and image["thumbnail_url"]


async def test_ingest_needs_the_service_token(gallery: Any, seed: Any) -> None:
    owner = await gallery.user()
    record = seed.record(owner)
    for token in (None, "", "wrong", gallery.INTERNAL_TOKEN + "x"):
        resp = await seed.ingest([record], token=token)
        assert resp.status_code == 401, (token, resp.text)
    user_token = owner.headers["Authorization"].removeprefix("Bearer ")
    assert (await seed.ingest([record], token=user_token)).status_code == 401
    assert (await gallery.ok("GET", "/api/v1/gallery/images", owner))["items"] == []


async def test_ingest_refuses_unsafe_keys_and_writes_nothing(gallery: Any, seed: Any) -> None:
    owner = await gallery.user()
    good = seed.record(owner)
    bad = seed.record(owner, png_key="../etc/passwd")
    resp = await seed.ingest([good, bad])
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"] == "ValidationError"
    assert (await gallery.ok("GET", "/api/v1/gallery/images", owner))["items"] == []


async def test_a_redelivery_does_not_bring_deleted_images_back(gallery: Any, seed: Any) -> None:
    owner = await gallery.user()
    one, two, three, kept = await seed.images(owner, 4)
    assert (await gallery.call("DELETE", f"/api/v1/gallery/images/{one['id']}", owner)).status_code == 204
    bulk = await gallery.call(
        "POST", "/api/v1/gallery/images/bulk", owner, json={"action": "delete", "ids": [two["id"], three["id"]]}
    )
    assert bulk.status_code == 200, bulk.text

    fresh = seed.record(owner)
    again = await seed.ingest([one, two, three, kept, fresh])
    assert again.status_code == 200, again.text
    assert again.json() == {"ingested": 5, "created": 1, "skipped": 3}
    assert (await seed.ingest([two])).json() == {"ingested": 1, "created": 0, "skipped": 1}  # and again

    page = await gallery.ok("GET", "/api/v1/gallery/images", owner)
    assert [i["id"] for i in page["items"]] == [fresh["id"], kept["id"]]
    for gone in (one, two, three):
        assert (await gallery.call("GET", f"/api/v1/gallery/images/{gone['id']}", owner)).status_code == 404
    assert (await gallery.ok("GET", "/api/v1/gallery/sidebar", owner))["total"] == 2


async def test_a_delete_that_commits_while_the_ingest_waits_still_wins(gallery: Any, seed: Any) -> None:
    """The ingest checks tombstones, then inserts; a delete committing in between must not be undone."""
    owner = await gallery.user()
    record = await seed.image(owner)
    db = Database(gallery.settings.resolved_database_url(), gallery.settings.database_schema)
    try:
        async with db.unit_of_work() as session:
            await repository.delete_images(session, uuid.UUID(owner.id), [uuid.UUID(record["id"])], utcnow())
            redelivery = asyncio.create_task(seed.ingest([record]))
            await asyncio.sleep(0.5)
            # PostgreSQL: the insert waits on the row being deleted; SQLite: on the write lock
            assert not redelivery.done(), (await redelivery).text
        resp = await redelivery
    finally:
        await db.dispose()
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"ingested": 1, "created": 0, "skipped": 1}
    assert (await gallery.call("GET", f"/api/v1/gallery/images/{record['id']}", owner)).status_code == 404
