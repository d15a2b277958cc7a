"""Forwarding through a real gateway to real upstream servers."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from structlog.contextvars import merge_contextvars
from structlog.testing import capture_logs

ErrorCheck = Callable[[httpx.Response, int, str], str]


async def test_large_body_streams_through_both_ways(gateway: Any, upstreams: Any, auth_headers: dict) -> None:
    body = os.urandom(5 * 1024 * 1024 + 13)
    async with gateway.client() as client:
        resp = await client.post("/api/v1/images/echo", content=body, headers=auth_headers)
    assert resp.status_code == 200
    assert hashlib.sha256(resp.content).hexdigest() == hashlib.sha256(body).hexdigest()
    seen = upstreams.image.calls_to("/api/v1/images/echo")[-1]
    assert seen == {"path": "/api/v1/images/echo", "length": len(body), "sha256": hashlib.sha256(body).hexdigest()}


async def test_chunked_body_streams_through(gateway: Any, upstreams: Any, auth_headers: dict) -> None:
    parts = [os.urandom(256 * 1024) for _ in range(12)]

    async def chunks() -> AsyncIterator[bytes]:
        for part in parts:
            yield part

    async with gateway.client() as client:
        resp = await client.post("/api/v1/images/echo", content=chunks(), headers=auth_headers)
    assert resp.status_code == 200
    assert resp.content == b"".join(parts)


async def test_sse_events_arrive_before_the_stream_ends(gateway: Any, upstreams: Any, auth_headers: dict) -> None:
    key = uuid.uuid4().hex
    gate = upstreams.image.gate(key)
    events: list[str] = []
    async with (
        gateway.client() as client,
        client.stream("GET", f"/api/v1/tasks/{key}/events", headers=auth_headers) as resp,
    ):
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/event-stream")
        async for line in resp.aiter_lines():
            if not line.startswith("data: "):
                continue
            events.append(line.removeprefix("data: "))
            if events == ["1"]:
                # The upstream holds the rest back until this first event has crossed the gateway.
                assert not gate.is_set()
                gate.set()
    assert events == ["1", "2", "done"]


async def test_sse_has_no_read_timeout(start_gateway: Any, upstreams: Any, auth_headers: dict) -> None:
    key = uuid.uuid4().hex
    gate = upstreams.image.gate(key)
    events: list[str] = []
    with start_gateway(timeout_seconds=0.2) as gw:
        async with (
            gw.client() as client,
            client.stream("GET", f"/api/v1/tasks/{key}/events", headers=auth_headers) as resp,
        ):
            async for line in resp.aiter_lines():
                if line.startswith("data: "):
                    events.append(line.removeprefix("data: "))
                    if len(events) == 1:
                        # An idle gap well past the ordinary read timeout.
                        await asyncio.sleep(1.0)
                        gate.set()
    assert events == ["1", "2", "done"]


async def test_unreachable_service_is_503(
    start_gateway: Any, closed_port_url: str, auth_headers: dict, expect_error: ErrorCheck
) -> None:
    with start_gateway(gallery_service_url=closed_port_url) as gw:
        async with gw.client() as client:
            resp = await client.get("/api/v1/gallery/images", headers=auth_headers)
    detail = expect_error(resp, 503, "ServiceUnavailable")
    assert "gallery-service is unavailable" in detail
    assert int(resp.headers["retry-after"]) > 0


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(b"SPEAKING NO HTTP\r\n\r\n", id="garbage"),
        # A small answer is read whole before the gateway answers, so a service that breaks off mid-body
        # yields a clean 503 rather than a 200 whose body never arrives.
        pytest.param(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"items"', id="cut-short"),
    ],
)
async def test_broken_answer_is_503(
    start_gateway: Any, auth_headers: dict, expect_error: ErrorCheck, answer: bytes
) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()

        def answer_once() -> None:
            conn, _ = listener.accept()
            with conn:
                conn.recv(65536)
                conn.sendall(answer)

        thread = threading.Thread(target=answer_once, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        with start_gateway(gallery_service_url=url) as gw:
            async with gw.client() as client:
                resp = await client.get("/api/v1/gallery/images", headers=auth_headers)
        thread.join(timeout=5)
    assert "gallery-service is unavailable" in expect_error(resp, 503, "ServiceUnavailable")


async def test_slow_service_is_503(
    start_gateway: Any, upstreams: Any, auth_headers: dict, expect_error: ErrorCheck
) -> None:
    key = uuid.uuid4().hex
    try:
        with start_gateway(timeout_seconds=0.3) as gw:
            async with gw.client() as client:
                resp = await client.get(f"/api/v1/tasks/{key}/slow", headers=auth_headers)
    finally:
        upstreams.image.gate(key).set()
    detail = expect_error(resp, 503, "ServiceUnavailable")
    assert "image-service is unavailable" in detail
    assert int(resp.headers["retry-after"]) > 0


async def test_declared_body_over_limit_is_413_before_upstream(
    start_gateway: Any, upstreams: Any, auth_headers: dict, expect_error: ErrorCheck
) -> None:
    path = f"/api/v1/gallery/uploads/{uuid.uuid4().hex}"
    with start_gateway(max_body_bytes=64 * 1024) as gw:
        async with gw.client() as client:
            ok = await client.post(path, content=b"x" * 64 * 1024, headers=auth_headers)
            resp = await client.post(path, content=b"x" * (64 * 1024 + 1), headers=auth_headers)
    assert ok.status_code == 200 and ok.json()["length"] == 64 * 1024
    expect_error(resp, 413, "PayloadTooLarge")
    assert upstreams.gallery.started.count(path) == 1  # only the request at the limit got there


async def test_chunked_body_over_limit_is_413_and_never_delivered(
    start_gateway: Any, upstreams: Any, auth_headers: dict, expect_error: ErrorCheck
) -> None:
    path = f"/api/v1/gallery/uploads/{uuid.uuid4().hex}"

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(16):
            yield b"y" * (16 * 1024)

    with start_gateway(max_body_bytes=100 * 1024) as gw:
        async with gw.client() as client:
            resp = await client.post(path, content=chunks(), headers=auth_headers)
    expect_error(resp, 413, "PayloadTooLarge")
    # Streaming means the upstream may have seen the start of the request, but never a whole body.
    assert upstreams.gallery.calls_to(path) == []


async def test_forwarded_headers(gateway: Any, upstreams: Any, auth_headers: dict) -> None:
    path = f"/api/v1/gallery/headers/{uuid.uuid4().hex}"
    async with gateway.client() as client:
        resp = await client.get(
            path,
            params={"q": "a b", "n": "1"},
            headers={
                **auth_headers,
                "Host": "api.example.test",
                "X-Forwarded-For": "6.6.6.6",
                "X-Forwarded-Proto": "https",
                "X-Forwarded-Host": "evil.example",
                "X-Real-IP": "6.6.6.6",
                "Forwarded": "for=6.6.6.6",
                "Connection": "keep-alive, X-Hop-Secret",
                "X-Hop-Secret": "do-not-forward",
                "Keep-Alive": "timeout=5",
                "Proxy-Authorization": "Basic Zm9vOmJhcg==",
                "Expect": "100-continue",
                "X-Custom": "kept",
            },
        )
    assert resp.status_code == 200
    seen = resp.json()
    headers = seen["headers"]
    assert seen["path"] == path and seen["query"] == "q=a+b&n=1"
    assert headers["x-forwarded-for"] == ["127.0.0.1"]
    assert headers["x-forwarded-proto"] == ["http"]
    assert headers["x-forwarded-host"] == ["api.example.test"]
    assert headers["host"] != ["api.example.test"]
    assert headers["authorization"] == [auth_headers["Authorization"]]
    assert headers["x-custom"] == ["kept"]
    for dropped in ("x-hop-secret", "keep-alive", "proxy-authorization", "x-real-ip", "forwarded", "expect"):
        assert dropped not in headers, dropped


async def test_response_headers_and_cookies(gateway: Any, upstreams: Any, auth_headers: dict) -> None:
    key = uuid.uuid4().hex
    async with gateway.client() as client:
        resp = await client.get(f"/api/v1/tasks/{key}/cookies", headers=auth_headers)
        assert resp.status_code == 200
        assert sorted(v.split(";")[0] for v in resp.headers.get_list("set-cookie")) == ["first=1", "second=2"]
        for dropped in ("x-upstream-hop", "keep-alive", "proxy-authenticate", "access-control-allow-origin"):
            assert dropped not in resp.headers, dropped
        assert resp.headers["x-frame-options"] == "DENY"  # the gateway's value, not the upstream's
        assert len(resp.headers.get_list("x-request-id")) == 1
        # The shared upstream client keeps no cookies: the next caller does not inherit them.
        path = f"/api/v1/gallery/after-cookies/{key}"
        client.cookies.clear()
        follow = await client.get(path, headers=auth_headers)
    assert "cookie" not in follow.json()["headers"]


async def test_request_id_is_kept_and_crosses_to_the_upstream(
    gateway: Any, upstreams: Any, auth_headers: dict, wait_until: Callable[..., bool]
) -> None:
    rid = f"client-{uuid.uuid4().hex}"
    path = f"/api/v1/gallery/rid/{uuid.uuid4().hex}"
    with capture_logs(processors=[merge_contextvars]) as logs:
        async with gateway.client() as client:
            resp = await client.get(path, headers={**auth_headers, "X-Request-ID": rid})

        def logged_by(service: str) -> bool:
            return any(
                e.get("request_id") == rid and e.get("service") == service and e.get("event") == "request"
                for e in list(logs)
            )

        assert wait_until(lambda: logged_by("api-gateway") and logged_by("gallery-service"))
    assert resp.headers["x-request-id"] == rid
    assert resp.json()["headers"]["x-request-id"] == [rid]


async def test_request_id_is_generated_when_missing_or_malformed(
    gateway: Any, upstreams: Any, auth_headers: dict
) -> None:
    async with gateway.client() as client:
        plain = await client.get(f"/api/v1/gallery/rid/{uuid.uuid4().hex}", headers=auth_headers)
        bad = await client.get(
            f"/api/v1/gallery/rid/{uuid.uuid4().hex}", headers={**auth_headers, "X-Request-ID": "a b<script>"}
        )
    for resp in (plain, bad):
        rid = resp.headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", rid)
        assert resp.json()["headers"]["x-request-id"] == [rid]
    assert plain.headers["x-request-id"] != bad.headers["x-request-id"]


async def test_unknown_api_path_is_404(gateway: Any, auth_headers: dict, expect_error: ErrorCheck) -> None:
    async with gateway.client() as client:
        resp = await client.get("/api/v1/nowhere/at/all", headers=auth_headers)
        anonymous = await client.get("/api/v1/nowhere")
    expect_error(resp, 404, "NotFound")
    expect_error(anonymous, 404, "NotFound")


async def test_dot_segments_are_refused(gateway: Any, upstreams: Any, expect_error: ErrorCheck) -> None:
    marker = uuid.uuid4().hex
    async with gateway.client() as client:
        # A public prefix must not become a way around the token check.
        resp = await client.get(f"/api/v1/objects/%2e%2e/admin/stats/{marker}")
    expect_error(resp, 400, "BadRequest")
    assert not any(marker in p for p in upstreams.image.started)
