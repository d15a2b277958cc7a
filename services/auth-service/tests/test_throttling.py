"""Login throttling per account and per client address, in memory and in Redis (ASVS 6.1.1, 6.3.1).

Each test connects from its own loopback address (127.x.y.z), so it is its own client to the throttle
even where Redis is shared by the whole run. 127.0.0.2 plays the gateway, the one trusted proxy (not
127.0.0.1, which uvicorn's own proxy-header handling would trust regardless of our rules).
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import jwt
import pytest
from zimage_auth.sessions.throttle import ACCOUNT_MESSAGE, ADDRESS_MESSAGE
from zimage_common.tokens import RedisRevocations

from tests.support.servers import ServerThread

ACCOUNT_LIMIT, ACCOUNT_WINDOW = 5, 3
ADDRESS_LIMIT = 8
GATEWAY = "127.0.0.2"


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> str | None:
    """Where limits and revocations live: in memory / SQLite (embedded) or in Redis."""
    return request.getfixturevalue("redis_url") if request.param == "redis" else None


@pytest.fixture
def server_overrides(store: str | None) -> dict[str, Any]:
    return {
        "redis_url": store,
        "trusted_proxies": [GATEWAY],
        "login_account_limit": f"{ACCOUNT_LIMIT}/{ACCOUNT_WINDOW} seconds",
        "login_ip_limit": f"{ADDRESS_LIMIT}/1 minute",
    }


@asynccontextmanager
async def client_from(server: ServerThread, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    async with httpx.AsyncClient(base_url=server.url, transport=transport, timeout=30) as http:
        yield http


def spoofed() -> dict[str, str]:
    return {"X-Forwarded-For": f"203.0.113.{random.randint(1, 254)}, 198.51.100.{random.randint(1, 254)}"}


async def test_failed_logins_for_one_account_are_throttled(
    api: Any, server: ServerThread, loopback_address: Callable[[], str]
) -> None:
    user = await api.register()
    wrong = {"email": user["email"], "password": "Wrong-guess-0001"}
    responses: list[httpx.Response] = []
    async with client_from(server, loopback_address()) as attacker:
        started = time.monotonic()
        for _ in range(50):
            responses.append(await attacker.post(f"{api.API}/auth/login", json=wrong, headers=spoofed()))
        elapsed = time.monotonic() - started

    statuses = [r.status_code for r in responses]
    assert statuses[:ACCOUNT_LIMIT] == [401] * ACCOUNT_LIMIT
    sixth = responses[ACCOUNT_LIMIT]
    assert sixth.status_code == 429, "a new spoofed X-Forwarded-For must not reset the count"
    assert sixth.json() == {"error": "TooManyRequests", "detail": ACCOUNT_MESSAGE}
    assert 1 <= int(sixth.headers["Retry-After"]) <= ACCOUNT_WINDOW
    assert set(statuses) == {401, 429}
    # The moving window admits at most LIMIT verified attempts per window, however slowly this ran.
    assert statuses.count(401) <= ACCOUNT_LIMIT * (1 + int(elapsed // ACCOUNT_WINDOW))

    # The real user, from elsewhere, waits out the window (as Retry-After says) and gets in.
    async with client_from(server, loopback_address()) as owner:
        retry_after, deadline = int(sixth.headers["Retry-After"]), time.monotonic() + 60
        while True:
            await asyncio.sleep(retry_after)
            resp = await owner.post(f"{api.API}/auth/login", json={"email": user["email"], "password": api.PASSWORD})
            if resp.status_code != 429 or time.monotonic() > deadline:
                break
            retry_after = int(resp.headers["Retry-After"])
    assert resp.status_code == 200, resp.text


async def test_failed_logins_from_one_address_are_throttled_whatever_it_forwards(
    api: Any, server: ServerThread, loopback_address: Callable[[], str]
) -> None:
    attacker_address = loopback_address()
    async with client_from(server, attacker_address) as attacker:
        statuses = []
        for _ in range(ADDRESS_LIMIT + 4):
            resp = await attacker.post(
                f"{api.API}/auth/login",
                json={"email": api.unique_email("sprayed"), "password": "Wrong-guess-0001"},
                headers=spoofed(),
            )
            statuses.append(resp.status_code)
        assert statuses[:ADDRESS_LIMIT] == [401] * ADDRESS_LIMIT
        assert statuses[ADDRESS_LIMIT:] == [429] * 4
        assert resp.json()["detail"] == ADDRESS_MESSAGE
        assert int(resp.headers["Retry-After"]) >= 1

    # Through the trusted gateway, the forwarded address counts: the attacker's is still throttled,
    # another client's is not.
    async with client_from(server, GATEWAY) as gateway:
        relayed = await gateway.post(
            f"{api.API}/auth/login",
            json={"email": api.unique_email("relayed"), "password": "Wrong-guess-0001"},
            headers={"X-Forwarded-For": attacker_address},
        )
        assert relayed.status_code == 429
        other = await gateway.post(
            f"{api.API}/auth/login",
            json={"email": api.unique_email("other"), "password": "Wrong-guess-0001"},
            headers={"X-Forwarded-For": f"198.51.100.{random.randint(1, 254)}"},
        )
        assert other.status_code == 401


async def test_logout_revokes_in_the_configured_store(api: Any, client: httpx.AsyncClient, store: str | None) -> None:
    user, tokens = await api.signed_up()
    resp = await client.post(f"{api.API}/auth/logout", headers=api.bearer(tokens["access_token"]))
    assert resp.status_code == 204
    assert (await api.me(tokens["access_token"])).status_code == 401
    if store is not None:
        # The revocation is in Redis, where every other service's verifier looks.
        shared = RedisRevocations(store)
        try:
            sid = jwt.decode(tokens["access_token"], options={"verify_signature": False})["sid"]
            assert await shared.is_revoked(sid, uuid.UUID(user["id"]))
        finally:
            await shared.close()


async def test_ready_checks_redis_when_configured(client: httpx.AsyncClient, store: str | None) -> None:
    checks = (await client.get("/ready")).json()["checks"]
    assert checks == ({"database": "ok", "redis": "ok"} if store else {"database": "ok"})
