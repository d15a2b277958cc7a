"""The OpenAI Images API shape: errors as OpenAI sends them, and a request that waits for the worker."""

from __future__ import annotations

import asyncio
import base64
import time
from typing import Any

import pytest


@pytest.fixture(scope="module")
def image_overrides() -> dict[str, Any]:
    return {"daily_image_quota": 4}


async def generations(image: Any, user: Any, body: dict[str, Any]) -> Any:
    return await image.http.post(f"{image.url}{image.API}/images/generations", json=body, headers=user.headers)


async def play_worker(image: Any, user: Any) -> tuple[dict[str, Any], list[bytes]]:
    """Wait for the user's task to be queued, then claim it and report real files."""
    deadline = time.monotonic() + 15
    while True:
        items = (await image.list_tasks(user))["items"]
        if items and items[0]["id"] in image.queue.published:
            break
        assert time.monotonic() < deadline, "the OpenAI request created no queued task"
        await asyncio.sleep(0.02)
    return await image.run_to_completion(items[0]["id"])


@pytest.mark.parametrize(
    ("body", "param"),
    [
        pytest.param({"prompt": "a cat", "size": "huge"}, "size", id="size-not-WxH"),
        pytest.param({"prompt": "a cat", "size": "1024x"}, "size", id="size-half"),
        pytest.param({"prompt": "a cat", "size": "1000x1000"}, "size", id="size-not-multiple-of-16"),
        pytest.param({"prompt": "a cat", "size": "4096x4096"}, "size", id="size-too-large"),
        pytest.param({"prompt": "a cat", "n": 5}, "n", id="n-5"),
        pytest.param({"prompt": ""}, "prompt", id="prompt-empty"),
        pytest.param({"prompt": "a cat", "response_format": "png"}, "response_format", id="bad-format"),
        pytest.param({"size": "1024x1024"}, "prompt", id="prompt-missing"),
    ],
)
async def test_bad_requests_get_openai_errors_and_write_nothing(image: Any, body: dict[str, Any], param: str) -> None:
    user = await image.user()

    resp = await generations(image, user, body)

    assert resp.status_code == 400, resp.text
    error = resp.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    assert error["message"] and error["code"]
    assert (await image.list_tasks(user))["items"] == []


async def test_body_that_is_not_json_gets_an_openai_error(image: Any) -> None:
    user = await image.user()
    resp = await image.http.post(
        f"{image.url}{image.API}/images/generations",
        content=b"{not json",
        headers={**user.headers, "Content-Type": "application/json"},
    )
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "invalid_json"


async def test_b64_json_returns_the_stored_bytes(image: Any) -> None:
    user = await image.user()
    request = asyncio.create_task(
        generations(image, user, {"prompt": "a paper boat", "n": 2, "size": "512x768", "response_format": "b64_json"})
    )
    claim, pngs = await play_worker(image, user)

    resp = await asyncio.wait_for(request, 30)

    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert isinstance(body["created"], int)
    assert [base64.b64decode(item["b64_json"]) for item in body["data"]] == pngs
    assert (claim["width"], claim["height"], claim["num_images"]) == (512, 768, 2)
    assert claim["prompt"] == "a paper boat"
    task = await image.task(user, claim["task_id"])
    assert task["status"] == "completed"


async def test_url_format_returns_absolute_urls_that_download(image: Any) -> None:
    user = await image.user()
    request = asyncio.create_task(generations(image, user, {"prompt": "a lantern", "response_format": "url"}))
    claim, pngs = await play_worker(image, user)

    resp = await asyncio.wait_for(request, 30)

    assert resp.status_code == 200, resp.text
    data = resp.json()["data"]
    assert len(data) == 1 and data[0].get("b64_json") is None
    url = data[0]["url"]
    assert url.startswith(f"{image.url}/api/v1/objects/"), url
    got = await image.http.get(url)
    assert got.status_code == 200
    assert got.content == pngs[0]
    assert (claim["width"], claim["height"]) == (1024, 1024)  # the default size


async def test_a_failed_generation_is_an_openai_error(image: Any) -> None:
    user = await image.user()
    request = asyncio.create_task(generations(image, user, {"prompt": "doomed", "response_format": "b64_json"}))
    deadline = time.monotonic() + 15
    while not (items := (await image.list_tasks(user))["items"]):
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)
    claim = await image.claimed(items[0]["id"])
    body = {"attempt": claim["attempt"], "error": "the prompt was refused", "retryable": False}
    assert (await image.internal(claim["task_id"], "fail", body)).status_code == 200

    resp = await asyncio.wait_for(request, 30)

    error = resp.json()["error"]
    assert resp.status_code == 502  # the worker failed, not this server
    assert error["type"] == "server_error"
    assert error["message"] == "the prompt was refused"
    assert error["code"] == "generation_failed"


async def test_quota_refusal_is_an_openai_rate_limit_error(image: Any) -> None:
    user = await image.user()
    await image.submit(user, num_images=4)

    resp = await generations(image, user, {"prompt": "one more"})

    assert resp.status_code == 429, resp.text
    assert int(resp.headers["retry-after"]) > 0
    error = resp.json()["error"]
    assert error["type"] == "rate_limit_error"
    assert error["code"] == "QuotaExceeded"
    assert "4 of 4" in error["message"]
    assert len((await image.list_tasks(user))["items"]) == 1
