"""Per-address, per-user and sign-in budgets, in memory and in Redis."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis

ErrorCheck = Callable[[httpx.Response, int, str], str]


def _assert_429(resp: httpx.Response, expect_error: ErrorCheck) -> None:
    expect_error(resp, 429, "TooManyRequests")
    assert int(resp.headers["retry-after"]) >= 1


@pytest.fixture(params=["memory", "redis"])
def storage(request: pytest.FixtureRequest) -> str | None:
    """None for in-memory counting (fresh per gateway), else the test Redis URL with no counters left."""
    if request.param == "memory":
        return None
    url = str(request.getfixturevalue("redis_url"))
    client = redis.Redis.from_url(url)
    try:
        for key in client.scan_iter("*LIMITER/gateway/*"):
            client.delete(key)
    finally:
        client.close()
    return url


async def test_per_address_limit(
    start_gateway: Any, storage: str | None, auth_headers: dict[str, str], expect_error: ErrorCheck
) -> None:
    with start_gateway(redis_url=storage, rate_limit_ip="3/minute") as gw:
        async with gw.client() as client:
            answers = [await client.get("/api/v1/size-presets") for _ in range(3)]
            assert [r.status_code for r in answers] == [200, 200, 200]
            _assert_429(await client.get("/api/v1/size-presets"), expect_error)
            # Authenticated or not, public or not, unknown path or not: the address is out of budget.
            _assert_429(await client.get("/api/v1/gallery/images", headers=auth_headers), expect_error)
            _assert_429(await client.get("/api/v1/nowhere"), expect_error)
            # A made-up X-Forwarded-For from an untrusted peer is not a new address.
            for spoof in ("1.2.3.4", "10.0.0.1, 5.6.7.8", str(uuid.uuid4())):
                _assert_429(
                    await client.get("/api/v1/size-presets", headers={"X-Forwarded-For": spoof}), expect_error
                )
            # Probes and metrics stay answerable.
            for path in ("/health", "/ready", "/metrics"):
                assert (await client.get(path)).status_code == 200, path


async def test_trusted_proxy_addresses_get_their_own_budget(
    start_gateway: Any, storage: str | None, expect_error: ErrorCheck
) -> None:
    with start_gateway(redis_url=storage, rate_limit_ip="2/minute", trusted_proxies=["127.0.0.1/32"]) as gw:
        async with gw.client() as client:
            first = {"X-Forwarded-For": "203.0.113.7"}
            second = {"X-Forwarded-For": "203.0.113.8"}
            assert (await client.get("/api/v1/size-presets", headers=first)).status_code == 200
            assert (await client.get("/api/v1/size-presets", headers=first)).status_code == 200
            _assert_429(await client.get("/api/v1/size-presets", headers=first), expect_error)
            resp = await client.get("/api/v1/size-presets", headers=second)
    assert resp.status_code == 200
    assert resp.json()["headers"]["x-forwarded-for"] == ["203.0.113.8"]


async def test_per_user_limit(
    start_gateway: Any, storage: str | None, signing_key: Any, expect_error: ErrorCheck
) -> None:
    alice = {"Authorization": f"Bearer {signing_key.mint(sub=uuid.uuid4())}"}
    bob = {"Authorization": f"Bearer {signing_key.mint(sub=uuid.uuid4())}"}
    with start_gateway(redis_url=storage, rate_limit_user="2/minute", rate_limit_ip="100/minute") as gw:
        async with gw.client() as client:
            assert (await client.get("/api/v1/tasks", headers=alice)).status_code == 200
            assert (await client.get("/api/v1/gallery/images", headers=alice)).status_code == 200
            _assert_429(await client.get("/api/v1/templates", headers=alice), expect_error)
            assert (await client.get("/api/v1/tasks", headers=bob)).status_code == 200
            # Public routes are counted per address only.
            assert (await client.get("/api/v1/size-presets", headers=alice)).status_code == 200


async def test_credential_endpoints_have_a_stricter_budget(
    start_gateway: Any, storage: str | None, auth_headers: dict[str, str], expect_error: ErrorCheck
) -> None:
    with start_gateway(redis_url=storage, rate_limit_auth_ip="2/minute", rate_limit_ip="100/minute") as gw:
        async with gw.client() as client:
            assert (await client.post("/api/v1/auth/login", json={})).status_code == 200
            assert (await client.post("/api/v1/auth/register", json={})).status_code == 200
            # refreshing is not a credential guess: page loads behind one office address must not run out
            for _ in range(3):
                assert (await client.post("/api/v1/auth/refresh", json={})).status_code == 200
            _assert_429(await client.post("/api/v1/auth/login", json={}), expect_error)
            _assert_429(
                await client.post("/api/v1/auth/login", json={}, headers={"X-Forwarded-For": "9.9.9.9"}),
                expect_error,
            )
            # Everything else still has budget.
            assert (await client.get("/api/v1/size-presets")).status_code == 200
            assert (await client.get("/api/v1/users/me", headers=auth_headers)).status_code == 200
