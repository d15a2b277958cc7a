"""Token verification: pinned algorithm, JWKS cache refreshed on an unknown key id, revocations."""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from jwt import PyJWK
from jwt.algorithms import OKPAlgorithm
from zimage_common.errors import ServiceUnavailable, Unauthorized
from zimage_common.tokens import (
    LEEWAY_SECONDS,
    RedisRevocations,
    RemoteJWKS,
    SqliteRevocations,
    StaticKeys,
    TokenVerifier,
)

from tests.support.servers import serve


def new_key() -> tuple[Ed25519PrivateKey, dict[str, Any]]:
    private = Ed25519PrivateKey.generate()
    jwk: dict[str, Any] = OKPAlgorithm.to_jwk(private.public_key(), as_dict=True)
    jwk |= {"kid": uuid.uuid4().hex, "alg": "EdDSA", "use": "sig"}
    return private, jwk


def mint(private: Ed25519PrivateKey, kid: str, **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": "zimage-auth",
        "aud": "zimage",
        "sub": str(uuid.uuid4()),
        "role": "user",
        "typ": "access",
        "sid": uuid.uuid4().hex,
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + 600,
    } | claims
    return jwt.encode(body, private, algorithm="EdDSA", headers={"kid": kid})


class KeyServer:
    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.fetches = 0
        self.app = FastAPI()

        @self.app.get("/.well-known/jwks.json")
        def jwks() -> dict[str, Any]:
            self.fetches += 1
            return {"keys": self.keys}


@pytest.fixture
def revocations(tmp_path: Path) -> SqliteRevocations:
    return SqliteRevocations(tmp_path / "revocations.db")


async def test_jwks_is_cached_and_refetched_for_an_unknown_key(revocations: SqliteRevocations) -> None:
    server = KeyServer()
    key_a, jwk_a = new_key()
    server.keys = [jwk_a]
    with serve(server.app) as http:
        source = RemoteJWKS(f"{http.url}/.well-known/jwks.json", min_refresh=0.0)
        verifier = TokenVerifier(source, revocations, issuer="zimage-auth", audience="zimage")
        for _ in range(3):
            await verifier.verify_access(mint(key_a, jwk_a["kid"]))
        assert server.fetches == 1  # cached

        key_b, jwk_b = new_key()  # auth-service rotated its key
        server.keys = [jwk_a, jwk_b]
        principal = await verifier.verify_access(mint(key_b, jwk_b["kid"], role="admin"))
        assert principal.is_admin
        assert server.fetches == 2

        stranger, jwk_s = new_key()
        with pytest.raises(Unauthorized, match="unknown key"):
            await verifier.verify_access(mint(stranger, jwk_s["kid"]))


async def test_unknown_key_refetch_is_rate_limited(revocations: SqliteRevocations) -> None:
    server = KeyServer()
    key_a, jwk_a = new_key()
    server.keys = [jwk_a]
    with serve(server.app) as http:
        verifier = TokenVerifier(
            RemoteJWKS(f"{http.url}/.well-known/jwks.json", min_refresh=60.0),
            revocations,
            issuer="zimage-auth",
            audience="zimage",
        )
        await verifier.verify_access(mint(key_a, jwk_a["kid"]))
        stranger, jwk_s = new_key()
        for _ in range(5):
            with pytest.raises(Unauthorized):
                await verifier.verify_access(mint(stranger, jwk_s["kid"]))
        assert server.fetches == 1  # forged key ids cannot make us hammer auth-service


async def test_unreachable_jwks_is_503_not_401(revocations: SqliteRevocations) -> None:
    key_a, jwk_a = new_key()
    verifier = TokenVerifier(
        RemoteJWKS("http://127.0.0.1:9/.well-known/jwks.json"), revocations, issuer="zimage-auth", audience="zimage"
    )
    with pytest.raises(ServiceUnavailable):
        await verifier.verify_access(mint(key_a, jwk_a["kid"]))


@pytest.mark.parametrize("store", ["sqlite", "redis"])
async def test_revoked_sessions_and_blocked_users_fail(store: str, tmp_path: Path, redis_url: str) -> None:
    revocations = SqliteRevocations(tmp_path / "r.db") if store == "sqlite" else RedisRevocations(redis_url)
    server = KeyServer()
    key, jwk = new_key()
    server.keys = [jwk]
    user, other = uuid.uuid4(), uuid.uuid4()
    with serve(server.app) as http:
        verifier = TokenVerifier(
            RemoteJWKS(f"{http.url}/.well-known/jwks.json"), revocations, issuer="zimage-auth", audience="zimage"
        )
        token = mint(key, jwk["kid"], sub=str(user), sid="family-1")
        other_token = mint(key, jwk["kid"], sub=str(other), sid="family-2")
        assert (await verifier.verify_access(token)).user_id == user
        await revocations.revoke_sessions(["family-1"], ttl_seconds=60)
        with pytest.raises(Unauthorized, match="Session has ended"):
            await verifier.verify_access(token)
        await verifier.verify_access(other_token)
        await revocations.block_user(other)
        with pytest.raises(Unauthorized):
            await verifier.verify_access(other_token)
        await revocations.unblock_user(other)
        await verifier.verify_access(other_token)
    await revocations.close()


async def test_sqlite_revocations_reach_other_processes_on_their_next_read(tmp_path: Path) -> None:
    # Two stores on one file stand for the auth-service writing and a service reading; the reader keeps
    # its connection open between calls and must still see each commit on its very next read.
    writer, reader = SqliteRevocations(tmp_path / "r.db"), SqliteRevocations(tmp_path / "r.db")
    user = uuid.uuid4()
    try:
        assert not await reader.is_revoked("family-1", user)
        await writer.revoke_sessions(["family-1"], ttl_seconds=60)
        assert await reader.is_revoked("family-1", user)
        assert not await reader.is_revoked("family-2", user)
        await writer.block_user(user)
        assert await reader.is_revoked("family-2", user)
        await writer.unblock_user(user)
        assert not await reader.is_revoked("family-2", user)
    finally:
        await writer.close()
        await reader.close()


async def test_sqlite_revocation_read_of_a_locked_file_waits_off_the_event_loop(tmp_path: Path) -> None:
    user = uuid.uuid4()
    # A process holding the file in exclusive locking mode keeps every reader out until it closes.
    locker = sqlite3.connect(tmp_path / "r.db", isolation_level=None, check_same_thread=False)
    locker.execute("PRAGMA journal_mode=WAL")
    locker.execute("PRAGMA locking_mode=EXCLUSIVE")
    locker.execute(
        "CREATE TABLE revocations (kind TEXT NOT NULL, value TEXT NOT NULL, expires_at REAL, PRIMARY KEY (kind, value))"
    )
    locker.execute("INSERT INTO revocations (kind, value, expires_at) VALUES ('user', ?, NULL)", (str(user),))
    revocations = SqliteRevocations(tmp_path / "r.db")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    asyncio.get_running_loop().call_later(0.5, locker.close)
    started = time.monotonic()
    try:
        assert await revocations.is_revoked("family-1", user)  # the locker's row, once it let go
    finally:
        ticker.cancel()
        await revocations.close()
    assert time.monotonic() - started >= 0.5
    assert ticks >= 20  # the event loop kept running while the read waited


class CountingKeys(StaticKeys):
    def __init__(self, jwks: dict[str, Any]) -> None:
        super().__init__(jwks)
        self.lookups = 0

    async def key_for(self, kid: str) -> PyJWK | None:
        self.lookups += 1
        return await super().key_for(kid)


async def test_a_verified_token_is_not_checked_again_but_still_revoked_and_expired(tmp_path: Path) -> None:
    key, jwk = new_key()
    keys = CountingKeys({"keys": [jwk]})
    revocations = SqliteRevocations(tmp_path / "r.db")
    verifier = TokenVerifier(keys, revocations, issuer="zimage-auth", audience="zimage")
    token = mint(key, jwk["kid"], sid="family-1")
    first = await verifier.verify_access(token)
    assert await verifier.verify_access(token) == first
    assert keys.lookups == 1  # the signature was checked once
    await verifier.verify_access(mint(key, jwk["kid"]))
    assert keys.lookups == 2  # another token is checked in full
    # Revocation is asked on every call.
    await revocations.revoke_sessions(["family-1"], ttl_seconds=60)
    with pytest.raises(Unauthorized, match="Session has ended"):
        await verifier.verify_access(token)
    # Expiry holds for a remembered token: this one is within the leeway now and past it in a second.
    almost = mint(key, jwk["kid"], exp=int(time.time()) - LEEWAY_SECONDS + 1)
    await verifier.verify_access(almost)
    await verifier.verify_access(almost)
    await asyncio.sleep(1.1)
    with pytest.raises(Unauthorized, match="Token expired"):
        await verifier.verify_access(almost)
    await revocations.close()
