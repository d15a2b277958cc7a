"""Per-address, per-user and sign-in budgets, in memory and in Redis, and the revocation check asked with them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis
from redis.asyncio.connection import AbstractConnection
from zimage_common.tokens import revocations_for

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
                _assert_429(await client.get("/api/v1/size-presets", headers={"X-Forwarded-For": spoof}), expect_error)
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


@pytest.fixture
def redis_round_trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The command that opens each round trip any asyncio Redis connection in this process makes (the gateway
    runs in a thread here): one send, then its answers, whether a command, a pipeline or a script."""
    sent: list[str] = []
    send = AbstractConnection.send_packed_command

    async def counted(self: AbstractConnection, command: Any, check_health: bool = True) -> None:
        packed = command if isinstance(command, bytes) else b"".join(command)
        sent.append(packed.split(b"\r\n")[2].decode())  # the (first) command's name
        await send(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counted)
    return sent


async def test_one_redis_round_trip_a_request(
    start_gateway: Any, redis_url: str, auth_headers: dict[str, str], redis_round_trips: list[str]
) -> None:
    requests: list[tuple[str, str, dict[str, str]]] = [
        ("GET", "/api/v1/gallery/images", auth_headers),  # the address, the session's revocation, the user
        ("GET", "/api/v1/size-presets", {}),  # the address
        ("POST", "/api/v1/auth/login", {}),  # the address and its sign-in budget
        ("GET", "/api/v1/nowhere", auth_headers),  # the address, then 404
    ]
    with start_gateway(redis_url=redis_url) as gw:
        async with gw.client() as client:
            for warm in (True, False):  # the first round opens the connection and loads the script
                for method, path, headers in requests:
                    redis_round_trips.clear()
                    json = {} if method == "POST" else None
                    resp = await client.request(method, path, headers=headers, json=json)
                    assert resp.status_code == (404 if path == "/api/v1/nowhere" else 200), resp.text
                    assert warm or len(redis_round_trips) == 1, (method, path, redis_round_trips)


async def test_a_refused_request_is_not_counted_in_later_windows(
    start_gateway: Any, storage: str | None, signing_key: Any, expect_error: ErrorCheck
) -> None:
    user = uuid.uuid4()
    ended, live = uuid.uuid4().hex, uuid.uuid4().hex
    settings = {"rate_limit_user": "3/minute", "rate_limit_ip": "4/minute", "trusted_proxies": ["127.0.0.1/32"]}
    with start_gateway(redis_url=storage, **settings) as gw:
        await revocations_for(storage, gw.settings.data_dir).revoke_sessions([ended], 60)
        async with gw.client() as client:

            async def get(sid: str, address: str) -> httpx.Response:
                token = signing_key.mint(sub=user, sid=sid)
                headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": address}
                return await client.get("/api/v1/gallery/images", headers=headers)

            # A revoked session's requests count for the address, not for the user.
            for _ in range(2):
                assert "Session has ended" in expect_error(await get(ended, "203.0.113.1"), 401, "Unauthorized")
            assert [(await get(live, "203.0.113.1")).status_code for _ in range(2)] == [200, 200]
            refused = await get(live, "203.0.113.1")
            assert "from this address" in expect_error(refused, 429, "TooManyRequests")
            # Nor do an exhausted address's: the user has one request left, from another address.
            assert (await get(live, "203.0.113.2")).status_code == 200
            refused = await get(live, "203.0.113.3")
    assert "from this address" not in expect_error(refused, 429, "TooManyRequests")
    assert int(refused.headers["retry-after"]) in (59, 60)


async def test_revocation_holds_from_the_next_request_in_every_gateway(
    start_gateway: Any, storage: str | None, signing_key: Any, upstreams: Any, expect_error: ErrorCheck
) -> None:
    user = uuid.uuid4()
    session, other_session = uuid.uuid4().hex, uuid.uuid4().hex
    token = {"Authorization": f"Bearer {signing_key.mint(sub=user, sid=session)}"}
    other = {"Authorization": f"Bearer {signing_key.mint(sub=user, sid=other_session)}"}
    path = f"/api/v1/gallery/images/{uuid.uuid4().hex}"
    with start_gateway(redis_url=storage) as one, start_gateway(redis_url=storage) as two:
        revocations = revocations_for(storage, one.settings.data_dir)  # as auth-service writes them
        async with one.client() as a, two.client() as b:
            assert [(await c.get(path, headers=token)).status_code for c in (a, b)] == [200, 200]
            await revocations.revoke_sessions([session], 60)
            for client in (a, b):
                assert "Session has ended" in expect_error(await client.get(path, headers=token), 401, "Unauthorized")
            assert [(await c.get(path, headers=other)).status_code for c in (a, b)] == [200, 200]
            await revocations.block_user(user)
            for client in (a, b):
                expect_error(await client.get(path, headers=other), 401, "Unauthorized")
            await revocations.unblock_user(user)
            assert [(await c.get(path, headers=other)).status_code for c in (a, b)] == [200, 200]
    await revocations.close()
    assert len(upstreams.gallery.calls_to(path)) == 6


async def test_redis_down_is_503(
    start_gateway: Any, closed_port_url: str, auth_headers: dict[str, str], expect_error: ErrorCheck
) -> None:
    down = closed_port_url.replace("http://", "redis://") + "/0"
    with start_gateway(redis_url=down) as gw:
        async with gw.client() as client:
            answers = [
                await client.get("/api/v1/gallery/images", headers=auth_headers),
                await client.get("/api/v1/gallery/images", headers={"Authorization": "Bearer not-a-jwt"}),
                await client.get("/api/v1/size-presets"),
                await client.post("/api/v1/auth/login", json={}),
                await client.get("/api/v1/nowhere"),
                await client.get("/api/v1/health"),
            ]
    for resp in answers:
        expect_error(resp, 503, "ServiceUnavailable")
