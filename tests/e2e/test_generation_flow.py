"""Generation end to end through the gateway: real supervisor, real Celery worker, tiny engine."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.support.databases import create_pg_database, drop_pg_database
from tests.support.s3 import moto_server
from tests.support.stack import Stack, read_sse

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["embedded", "distributed"])
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Stack]:
    data_dir: Path = tmp_path_factory.mktemp(f"stack-{request.param}") / "data"
    data_dir.mkdir()
    if request.param == "embedded":
        s = Stack(data_dir).start()
        yield s
        s.stop()
        return
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    pg = create_pg_database()
    with moto_server() as s3:
        s = Stack(
            data_dir,
            {
                "DATABASE_URL": pg,
                "REDIS_URL": redis_url,
                "S3_ENDPOINT_URL": s3,
                "S3_BUCKET": "zimage-e2e",
                "S3_ACCESS_KEY": "test",
                "S3_SECRET_KEY": "test-secret-key",
            },
        ).start()
        yield s
        s.stop()
    drop_pg_database(pg)


def test_generate_with_live_progress_and_exact_preset_pixels(stack: Stack) -> None:
    with httpx.Client(timeout=60) as client:
        headers = stack.user(client)
        r = client.post(
            f"{stack.api}/generate",
            headers=headers,
            json={"prompt": "서울 야경 위의 커피 광고", "preset": "instagram_square", "seed": 42},
        )
        assert r.status_code == 202, r.text
        task = r.json()
        assert task["status"] == "pending"
        assert (task["width"], task["height"]) == (1080, 1080)
        assert (task["generation_width"], task["generation_height"]) == (1088, 1088)
        assert task["negative_prompt_ignored"] is True

        with client.stream(
            "GET", f"{stack.api}/tasks/{task['id']}/events", headers=headers, timeout=httpx.Timeout(120, read=120)
        ) as resp:
            assert resp.status_code == 200
            assert resp.headers["content-type"].startswith("text/event-stream")
            events = read_sse(resp)
        names = [e[1] for e in events]
        assert names[-1] == "completed", events
        steps = [json.loads(d)["step"] for _, n, d in events if n == "progress"]
        assert steps == sorted(steps) and steps[-1] == 8, steps
        ids = [int(i) for i, _, _ in events]
        assert ids == sorted(ids)

        done = json.loads(events[-1][2])["task"]
        assert done["engine"] == "tiny (demo)"
        assert len(done["images"]) == 1
        image = done["images"][0]
        png = client.get(_absolute(stack, image["url"]))
        assert png.status_code == 200, png.text
        picture = Image.open(io.BytesIO(png.content))
        assert picture.format == "PNG" and picture.size == (1080, 1080)
        assert picture.info["prompt"] == "서울 야경 위의 커피 광고"
        assert picture.info["seed"] == "42"
        thumb = client.get(_absolute(stack, image["thumbnail_url"]))
        assert thumb.status_code == 200
        small = Image.open(io.BytesIO(thumb.content))
        assert small.format == "WEBP" and max(small.size) <= 512


def test_facebook_cover_exact_pixels_and_seed_per_image(stack: Stack) -> None:
    with httpx.Client(timeout=60) as client:
        headers = stack.user(client)
        r = client.post(
            f"{stack.api}/generate",
            headers=headers,
            json={"prompt": "summer sale banner", "preset": "facebook_cover", "num_images": 2, "seed": 7},
        )
        assert r.status_code == 202, r.text
        done = stack.wait_task(client, headers, r.json()["id"])
        assert done["status"] == "completed", done
        assert [i["seed"] for i in done["images"]] == [7, 8]
        for image in done["images"]:
            png = client.get(_absolute(stack, image["url"]))
            assert Image.open(io.BytesIO(png.content)).size == (820, 312)


def test_bad_input_is_refused_and_nothing_is_queued(stack: Stack) -> None:
    bad = {
        "prompt": {"prompt": ""},
        "width": {"prompt": "x", "width": 1000, "height": 1024},
        "num_images": {"prompt": "x", "num_images": 5},
        "seed": {"prompt": "x", "seed": -1},
        "preset": {"prompt": "x", "preset": "nope"},
    }
    with httpx.Client(timeout=30) as client:
        headers = stack.user(client)
        for field, body in bad.items():
            r = client.post(f"{stack.api}/generate", headers=headers, json=body)
            assert r.status_code == 422, (field, r.text)
            assert r.json()["error"] == "ValidationError"
            assert field in r.json()["detail"], (field, r.json())
        assert client.get(f"{stack.api}/tasks", headers=headers).json()["items"] == []


def test_openai_client_through_the_gateway(stack: Stack) -> None:
    import openai

    with httpx.Client(timeout=30) as client:
        token = stack.user(client)["Authorization"].split()[1]
    oa = openai.OpenAI(base_url=stack.api, api_key=token, timeout=120)
    result = oa.images.generate(
        model="z-image-turbo",
        prompt="a red bicycle",
        size="256x256",  # type: ignore[arg-type]
        response_format="b64_json",
        n=1,
    )
    assert result.data and result.data[0].b64_json
    import base64

    picture = Image.open(io.BytesIO(base64.b64decode(result.data[0].b64_json)))
    assert picture.size == (256, 256)
    with pytest.raises(openai.BadRequestError):
        oa.images.generate(prompt="x", size="1000x1000")  # type: ignore[arg-type]


def _absolute(stack: Stack, url: str) -> str:
    return url if url.startswith("http") else f"http://127.0.0.1:{stack.base}{url}"


def test_template_generation_lands_in_the_gallery(stack: Stack) -> None:
    """A built-in template is expanded by gallery-service at submit; the finished image is handed to the gallery."""
    with httpx.Client(timeout=60) as client:
        headers = stack.user(client)
        templates = client.get(f"{stack.api}/templates", headers=headers, params={"scope": "builtin"}).json()["items"]
        template = templates[0]
        required = [v["name"] for v in template["variables"] if v["required"] and not v.get("default")]
        r = client.post(f"{stack.api}/generate", headers=headers, json={"template_id": template["id"]})
        if required:  # missing variables are named, nothing is queued
            assert r.status_code == 422, r.text
            assert all(name in r.json()["detail"] for name in required)
        variables = {v["name"]: f"테스트 {v['name']}" for v in template["variables"]}
        r = client.post(
            f"{stack.api}/generate",
            headers=headers,
            json={"template_id": template["id"], "template_vars": variables, "seed": 3},
        )
        assert r.status_code == 202, r.text
        task = r.json()
        assert task["template_id"] == template["id"]
        assert all(value in task["prompt"] for value in variables.values())
        assert task["preset"] == template["default_preset"]
        done = stack.wait_task(client, headers, task["id"])
        assert done["status"] == "completed", done

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            items = client.get(f"{stack.api}/gallery/images", headers=headers).json()["items"]
            if items:
                break
            time.sleep(0.3)
        assert [i["task_id"] for i in items] == [task["id"]]
        assert items[0]["template_id"] == template["id"] and items[0]["seed"] == 3
        found = client.get(
            f"{stack.api}/gallery/images", headers=headers, params={"q": next(iter(variables.values()))}
        ).json()["items"]
        assert [i["id"] for i in found] == [items[0]["id"]]
        other = stack.user(client)
        assert client.get(f"{stack.api}/gallery/images", headers=other).json()["items"] == []
