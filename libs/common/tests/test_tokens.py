"""Token verification: pinned algorithm, JWKS cache refreshed on an unknown key id, revocations."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from jwt.algorithms import OKPAlgorithm
from zimage_common.errors import ServiceUnavailable, Unauthorized
from zimage_common.tokens import RedisRevocations, RemoteJWKS, SqliteRevocations, TokenVerifier

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
