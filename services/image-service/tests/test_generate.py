"""Submitting generations: sizes, seeds, the negative prompt, the outbox publishing each task once."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest


async def test_submit_answers_202_pending_and_publishes_once(image: Any) -> None:
    user = await image.user()
    resp = await image.generate(user, {"prompt": "  서울 야경 위의 커피 광고  ", "seed": 42})
    assert resp.status_code == 202, resp.text
    task = resp.json()
    assert task["status"] == "pending"
    assert uuid.UUID(task["id"])
    assert task["prompt"] == "서울 야경 위의 커피 광고"  # trimmed
    assert task["preset"] == "square_1024"  # the default size
    assert (task["width"], task["height"]) == (1024, 1024)
    assert (task["generation_width"], task["generation_height"]) == (1024, 1024)
    assert task["num_images"] == 1
    assert task["seed"] == 42
    assert task["steps"] == 8 and task["guidance_scale"] == 0.0
    assert task["attempts"] == 0 and task["error"] is None and task["images"] == []
    assert task["queue_position"] >= 1
    assert task["progress"] == {"step": 0, "total": 8}

    await image.wait_published(task["id"])
    # A later task published after it means the relay has had its pass over the first one's outbox row.
    later = await image.submit(user)
    await image.wait_published(later["id"])
    assert image.queue.count(task["id"]) == 1
    assert image.queue.count(later["id"]) == 1

    stored = await image.task(user, task["id"])
    assert stored["status"] == "pending"
    assert stored["seed"] == 42
    assert stored["queue_position"] >= 1


@pytest.mark.parametrize(
    ("preset", "exact"),
    [("instagram_square", (1080, 1080)), ("facebook_cover", (820, 312)), ("instagram_story", (1080, 1920))],
)
async def test_presets_keep_exact_pixels_and_generate_at_a_valid_size(
    image: Any, preset: str, exact: tuple[int, int]
) -> None:
    user = await image.user()
    task = await image.submit(user, preset=preset)
    assert task["preset"] == preset
    assert (task["width"], task["height"]) == exact
    gen_w, gen_h = task["generation_width"], task["generation_height"]
    assert gen_w % 16 == 0 and gen_h % 16 == 0
    assert 256 <= gen_w <= 2048 and 256 <= gen_h <= 2048
    assert gen_w >= exact[0] and gen_h >= exact[1]  # crop and downscale, never upscale
    assert abs(gen_w / gen_h - exact[0] / exact[1]) / (exact[0] / exact[1]) < 0.01
    if preset == "instagram_square":
        assert (gen_w, gen_h) == (1088, 1088)
    assert (await image.task(user, task["id"]))["generation_width"] == gen_w


async def test_explicit_size_is_generated_as_is(image: Any) -> None:
    user = await image.user()
    task = await image.submit(user, width=1280, height=720, num_images=3)
    assert task["preset"] is None
    assert (task["width"], task["height"]) == (1280, 720)
    assert (task["generation_width"], task["generation_height"]) == (1280, 720)
    assert task["num_images"] == 3


async def test_boundary_values_are_accepted(image: Any) -> None:
    user = await image.user()
    small = await image.submit(user, "x" * 2000, width=256, height=256, num_images=4, seed=2**32 - 1)
    assert len(small["prompt"]) == 2000
    assert (small["width"], small["height"], small["num_images"], small["seed"]) == (256, 256, 4, 2**32 - 1)
    large = await image.submit(user, width=2048, height=2048, seed=0)
    assert (large["generation_width"], large["generation_height"], large["seed"]) == (2048, 2048, 0)


async def test_template_vars_without_a_template_are_refused(image: Any) -> None:
    user = await image.user()
    resp = await image.generate(user, {"prompt": "x", "template_vars": {"product": "coffee"}})
    assert resp.status_code == 422, resp.text
    assert "template_id" in resp.json()["detail"]


async def test_a_brand_kit_while_the_gallery_is_down_is_503_and_queues_nothing(image: Any) -> None:
    """This suite's gallery URL has nothing listening (a real gallery: test_brand_kits.py)."""
    user = await image.user()
    resp = await image.generate(user, {"prompt": "x", "brand_kit_id": "6c6f676f-0000-4000-8000-000000000001"})
    assert resp.status_code == 503, resp.text
    assert resp.json()["error"] == "ServiceUnavailable" and resp.headers["Retry-After"]
    assert (await image.list_tasks(user))["items"] == []


async def test_seed_is_random_when_absent(image: Any) -> None:
    user = await image.user()
    seeds = [(await image.submit(user))["seed"] for _ in range(3)]
    assert all(0 <= s < 2**32 for s in seeds)
    assert len(set(seeds)) > 1  # three equal draws from 2**32 values would be a broken generator
    listed = {t["id"]: t["seed"] for t in (await image.list_tasks(user))["items"]}
    assert sorted(listed.values()) == sorted(seeds)


async def test_negative_prompt_is_stored_and_marked_ignored(image: Any) -> None:
    user = await image.user()
    task = await image.submit(user, negative_prompt="blurry, watermark")
    assert task["negative_prompt"] == "blurry, watermark"
    assert task["negative_prompt_ignored"] is True
    stored = await image.task(user, task["id"])
    assert stored["negative_prompt"] == "blurry, watermark"
    assert stored["negative_prompt_ignored"] is True
    claim = await image.claimed(task["id"])
    assert claim["negative_prompt"] == "blurry, watermark"
    assert claim["guidance_scale"] == 0.0


async def test_size_presets_list_generation_sizes(image: Any) -> None:
    resp = await image.get(None, f"{image.API}/size-presets")
    assert resp.status_code == 200, resp.text
    items = resp.json()["items"]
    by_id = {p["id"]: p for p in items}
    assert {"square_1024", "instagram_square", "facebook_cover", "youtube_thumbnail"} <= set(by_id)
    assert len(by_id) == len(items)
    for p in items:
        assert p["generation_width"] % 16 == 0 and p["generation_height"] % 16 == 0, p
        assert p["generation_width"] >= p["width"] and p["generation_height"] >= p["height"], p
        assert p["generation_width"] * p["generation_height"] <= 4 * 1024 * 1024, p
        assert p["name_ko"] and p["name_en"] and p["aspect"]
    assert (by_id["instagram_square"]["generation_width"], by_id["instagram_square"]["generation_height"]) == (
        1088,
        1088,
    )
    assert (by_id["square_1024"]["generation_width"], by_id["square_1024"]["generation_height"]) == (1024, 1024)


async def test_ready_reports_each_dependency(image: Any) -> None:
    resp = await image.get(None, "/ready")
    assert resp.status_code == 200, resp.text
    assert resp.json()["checks"] == {"database": "ok", "events": "ok", "objects": "ok"}
    health = await image.get(None, "/health")
    assert health.status_code == 200 and health.json()["service"] == "image-service"


async def test_submit_works_while_the_queue_is_down_and_is_published_once_it_is_back(image: Any) -> None:
    user = await image.user()
    image.queue.down = True
    try:
        task = await image.submit(user)
        deadline = time.monotonic() + 10
        while image.queue.refused < 2:  # the relay tried, failed, and keeps trying
            assert time.monotonic() < deadline, "the relay did not try to publish"
            await asyncio.sleep(0.02)
        assert image.queue.count(task["id"]) == 0
    finally:
        image.queue.down = False
    await image.wait_published(task["id"])
    later = await image.submit(user)
    await image.wait_published(later["id"])
    assert image.queue.count(task["id"]) == 1
    assert (await image.task(user, task["id"]))["status"] == "pending"
