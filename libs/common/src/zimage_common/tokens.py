"""Access-token verification every service does for itself: EdDSA pinned, JWKS cached, revocations checked."""

from __future__ import annotations

import asyncio
import time
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import structlog
from jwt import PyJWK

from zimage_common.errors import ServiceUnavailable, Unauthorized

log = structlog.get_logger("zimage.tokens")

ALGORITHM = "EdDSA"
ACCESS = "access"
REFRESH = "refresh"
LEEWAY_SECONDS = 5


@dataclass(frozen=True)
class Principal:
    """The caller an access token names."""

    user_id: uuid.UUID
    role: str
    session_id: str
    token_id: str
    expires_at: int

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_reviewer(self) -> bool:
        """May decide reviews: the reviewer role, and administrators."""
        return self.role in ("reviewer", "admin")


class KeySource(ABC):
    @abstractmethod
    async def key_for(self, kid: str) -> PyJWK | None: ...


class StaticKeys(KeySource):
    """Keys held in memory (auth-service verifying its own tokens)."""

    def __init__(self, jwks: dict[str, Any]) -> None:
        self._keys = {k["kid"]: PyJWK(k, algorithm=ALGORITHM) for k in jwks["keys"]}

    async def key_for(self, kid: str) -> PyJWK | None:
        return self._keys.get(kid)


class RemoteJWKS(KeySource):
    """JWKS fetched from auth-service, cached, refetched on an unknown `kid` at most every `min_refresh` s."""

    def __init__(self, url: str, *, ttl: float = 300.0, min_refresh: float = 10.0) -> None:
        self.url = url
        self.ttl = ttl
        self.min_refresh = min_refresh
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def _refresh(self) -> None:
        try:
            async with httpx.AsyncClient(timeout=5.0) as client:
                resp = await client.get(self.url)
                resp.raise_for_status()
                data = resp.json()
        except (httpx.HTTPError, ValueError) as exc:
            if not self._keys:
                raise ServiceUnavailable("auth-service keys are unreachable; cannot verify sign-in") from exc
            log.warning("jwks_refresh_failed", url=self.url, error=str(exc))
            return
        finally:
            self._fetched_at = time.monotonic()
        self._keys = {
            k["kid"]: PyJWK(k, algorithm=ALGORITHM) for k in data.get("keys", []) if k.get("kid")
        }

    async def key_for(self, kid: str) -> PyJWK | None:
        age = time.monotonic() - self._fetched_at
        if kid in self._keys and age < self.ttl:
            return self._keys[kid]
        if kid not in self._keys and self._keys and age < self.min_refresh:
            return None
        async with self._lock:
            if kid not in self._keys or time.monotonic() - self._fetched_at >= self.ttl:
                await self._refresh()
        return self._keys.get(kid)


class Revocations(ABC):
    """Sessions (refresh families) logged out and users deactivated; every verifier asks."""

    @abstractmethod
    async def revoke_sessions(self, session_ids: list[str], ttl_seconds: int) -> None: ...

    @abstractmethod
    async def block_user(self, user_id: uuid.UUID) -> None: ...

    @abstractmethod
    async def unblock_user(self, user_id: uuid.UUID) -> None: ...

    @abstractmethod
    async def is_revoked(self, session_id: str, user_id: uuid.UUID) -> bool: ...

    async def close(self) -> None:  # noqa: B027 - optional hook
        pass


class SqliteRevocations(Revocations):
    """Embedded mode: one small SQLite file every local process shares."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._ready = False
        self._lock = asyncio.Lock()

    async def _run(self, sql: str, params: tuple[Any, ...] = (), fetch: bool = False) -> list[Any]:
        return await asyncio.to_thread(self._run_sync, sql, params, fetch)

    def _run_sync(self, sql: str, params: tuple[Any, ...], fetch: bool) -> list[Any]:
        import sqlite3

        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            if not self._ready:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS revocations ("
                    "kind TEXT NOT NULL, value TEXT NOT NULL, expires_at REAL, PRIMARY KEY (kind, value))"
                )
                self._ready = True
            cur = conn.execute(sql, params)
            rows = cur.fetchall() if fetch else []
            conn.commit()
            return rows
        finally:
            conn.close()

    async def revoke_sessions(self, session_ids: list[str], ttl_seconds: int) -> None:
        expires = time.time() + ttl_seconds
        for sid in session_ids:
            await self._run(
                "INSERT OR REPLACE INTO revocations (kind, value, expires_at) VALUES ('sid', ?, ?)", (sid, expires)
            )
        await self._run("DELETE FROM revocations WHERE expires_at IS NOT NULL AND expires_at < ?", (time.time(),))

    async def block_user(self, user_id: uuid.UUID) -> None:
        await self._run(
            "INSERT OR REPLACE INTO revocations (kind, value, expires_at) VALUES ('user', ?, NULL)", (str(user_id),)
        )

    async def unblock_user(self, user_id: uuid.UUID) -> None:
        await self._run("DELETE FROM revocations WHERE kind = 'user' AND value = ?", (str(user_id),))

    async def is_revoked(self, session_id: str, user_id: uuid.UUID) -> bool:
        rows = await self._run(
            "SELECT 1 FROM revocations WHERE ((kind = 'sid' AND value = ?) OR (kind = 'user' AND value = ?)) "
            "AND (expires_at IS NULL OR expires_at > ?) LIMIT 1",
            (session_id, str(user_id), time.time()),
            fetch=True,
        )
        return bool(rows)


class RedisRevocations(Revocations):
    """Distributed mode: keys with a TTL as long as an access token lives."""

    def __init__(self, url: str, prefix: str = "zimage:revoked") -> None:
        import redis.asyncio as aioredis
        from redis.exceptions import ConnectionError as RedisConnectionError

        # a pooled connection Redis dropped (a restart) is reopened once instead of answering 503
        self.redis = aioredis.from_url(
            url, socket_timeout=2, socket_connect_timeout=2, retry_on_error=[RedisConnectionError]
        )
        self.prefix = prefix

    async def revoke_sessions(self, session_ids: list[str], ttl_seconds: int) -> None:
        if session_ids:
            async with self.redis.pipeline(transaction=False) as pipe:
                for sid in session_ids:
                    pipe.set(f"{self.prefix}:sid:{sid}", "1", ex=max(1, ttl_seconds))
                await pipe.execute()

    async def block_user(self, user_id: uuid.UUID) -> None:
        await self.redis.set(f"{self.prefix}:user:{user_id}", "1")

    async def unblock_user(self, user_id: uuid.UUID) -> None:
        await self.redis.delete(f"{self.prefix}:user:{user_id}")

    async def is_revoked(self, session_id: str, user_id: uuid.UUID) -> bool:
        try:
            values = await self.redis.mget(f"{self.prefix}:sid:{session_id}", f"{self.prefix}:user:{user_id}")
        except Exception as exc:  # redis errors subclass several bases; all mean "cannot check"
            raise ServiceUnavailable("session store (Redis) is unavailable; cannot verify sign-in") from exc
        return any(values)

    async def close(self) -> None:
        await self.redis.aclose()


def revocations_for(redis_url: str | None, data_dir: Path) -> Revocations:
    if redis_url:
        return RedisRevocations(redis_url)
    return SqliteRevocations(data_dir / "revocations.db")


class TokenVerifier:
    def __init__(self, keys: KeySource, revocations: Revocations, *, issuer: str, audience: str) -> None:
        self.keys = keys
        self.revocations = revocations
        self.issuer = issuer
        self.audience = audience

    async def decode(self, token: str, expected_type: str) -> dict[str, Any]:
        """Signature, algorithm, expiry, issuer, audience and token type; raises Unauthorized."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("Malformed token") from exc
        if header.get("alg") != ALGORITHM:
            raise Unauthorized("Token algorithm not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise Unauthorized("Token has no key id")
        key = await self.keys.key_for(kid)
        if key is None:
            raise Unauthorized("Token signed by an unknown key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "sub", "jti", "sid", "typ"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("Token expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("Invalid token") from exc
        if claims.get("typ") != expected_type:
            raise Unauthorized(f"Expected an {expected_type} token")
        return claims

    async def verify_access(self, token: str) -> Principal:
        claims = await self.decode(token, ACCESS)
        try:
            user_id = uuid.UUID(str(claims["sub"]))
        except ValueError as exc:
            raise Unauthorized("Invalid token subject") from exc
        if await self.revocations.is_revoked(str(claims["sid"]), user_id):
            raise Unauthorized("Session has ended; sign in again")
        return Principal(
            user_id=user_id,
            role=str(claims.get("role", "user")),
            session_id=str(claims["sid"]),
            token_id=str(claims["jti"]),
            expires_at=int(claims["exp"]),
        )


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None
