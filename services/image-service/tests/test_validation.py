"""Bad input gets a 422 that names the field, and writes nothing: no task, no queue message (P6)."""

from __future__ import annotations

from typing import Any

import pytest

BAD_BODIES = [
    pytest.param({"prompt": ""}, "prompt", id="prompt-empty"),
    pytest.param({"prompt": " \t\n "}, "prompt", id="prompt-blank"),
    pytest.param({"prompt": "x" * 2001}, "prompt", id="prompt-2001"),
    pytest.param({"width": 1000, "height": 1024}, "width", id="width-not-multiple-of-16"),
    pytest.param({"width": 240, "height": 1024}, "width", id="width-240"),
    pytest.param({"width": 2064, "height": 1024}, "width", id="width-2064"),
    pytest.param({"width": 1024}, "width", id="width-without-height"),
    pytest.param({"preset": "instagram_square", "width": 1024, "height": 1024}, "preset", id="preset-and-width"),
    # 2048 × 2064 is past 4 MP; at most 2048 a side, the side check is what refuses it
    pytest.param({"width": 2048, "height": 2064}, "height", id="over-4-megapixels"),
    pytest.param({"num_images": 0}, "num_images", id="num-images-0"),
    pytest.param({"num_images": 5}, "num_images", id="num-images-5"),
    pytest.param({"seed": -1}, "seed", id="seed-negative"),
    pytest.param({"seed": 2**32}, "seed", id="seed-2**32"),
    pytest.param({"preset": "myspace_banner"}, "preset", id="unknown-preset"),
    pytest.param({"template_vars": {f"k{i}": "v" for i in range(21)}}, "template_vars", id="template-vars-21"),
    pytest.param({"negative_prompt": "n" * 2001}, "negative_prompt", id="negative-prompt-2001"),
]


@pytest.mark.parametrize(("bad", "field"), BAD_BODIES)
async def test_bad_field_is_refused_and_nothing_is_written(image: Any, bad: dict[str, Any], field: str) -> None:
    user = await image.user()
    mark = image.queue.mark()

    resp = await image.generate(user, {"prompt": "a lighthouse at dawn", **bad})

    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert set(body) == {"error", "detail"}
    assert body["error"] == "ValidationError"
    assert field in body["detail"], body["detail"]
    assert (await image.list_tasks(user))["items"] == []
    # The relay publishes outbox rows in order: once a later task is out, a row from the refused request
    # would have been published before it.
    sentinel = await image.submit(user)
    await image.wait_published(sentinel["id"], since=mark)
    assert image.queue.since(mark) == [sentinel["id"]]
    assert [t["id"] for t in (await image.list_tasks(user))["items"]] == [sentinel["id"]]


async def test_body_that_is_not_json_is_refused(image: Any) -> None:
    user = await image.user()
    resp = await image.http.post(
        f"{image.url}{image.API}/generate",
        content=b"prompt=hello",
        headers={**user.headers, "Content-Type": "application/json"},
    )
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"] == "ValidationError"
    assert (await image.list_tasks(user))["items"] == []
