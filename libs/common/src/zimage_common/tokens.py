"""Access-token verification every service does for itself: EdDSA pinned, JWKS cached, revocations checked."""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from abc import ABC, abstractmethod
from concurrent.futures import ThreadPoolExecutor
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
# A verifier remembers this many access tokens it checked, each for at most this long (a key dropped from
# the JWKS is trusted for up to RemoteJWKS.ttl anyway).
VERIFIED_TOKENS = 4096
VERIFIED_SECONDS = 60.0
READ_BUSY_MS = 50  # longest a revocation read may hold up the event loop before it moves to a thread
SESSION_ENDED = "Session has ended; sign in again"


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
        self._keys = {k["kid"]: PyJWK(k, algorithm=ALGORITHM) for k in data.get("keys", []) if k.get("kid")}

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
    """Embedded mode: one small SQLite file every local process shares.

    Every verified request reads it, so reads run right on the event loop on a connection kept open: in
    WAL mode a read never waits for a writer and takes a few µs. (A new connection per call cost 0.35 ms;
    even with a kept connection, the hop to a worker thread cost the gateway 0.4 ms of CPU a request on
    a 2-core machine.) Should a read still find the file locked (a process recovering it after a crash),
    it waits on the worker thread instead, as writes always do.
    Every statement is its own transaction and reads the latest commit of any process, so a revocation
    holds from the very next call.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._reader: sqlite3.Connection | None = None  # used on the event loop
        self._writer: sqlite3.Connection | None = None  # used on self._thread only
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="revocations")

    def _connect(self, busy_timeout_ms: int = 30_000) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS revocations ("
            "kind TEXT NOT NULL, value TEXT NOT NULL, expires_at REAL, PRIMARY KEY (kind, value))"
        )
        conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        return conn

    def _on_thread(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        if self._writer is None:
            self._writer = self._connect()
        return self._writer.execute(sql, params).fetchall()

    async def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        await asyncio.get_running_loop().run_in_executor(self._thread, self._on_thread, sql, params)

    async def _read(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        loop = asyncio.get_running_loop()
        if self._reader is None:  # creating the file and its table may wait for a lock: not on the loop
            conn = await loop.run_in_executor(self._thread, self._connect, READ_BUSY_MS)
            if self._reader is None:
                self._reader = conn
            else:  # another request opened one meanwhile
                conn.close()
        try:
            return self._reader.execute(sql, params).fetchall()
        except sqlite3.OperationalError:  # locked past READ_BUSY_MS
            return await loop.run_in_executor(self._thread, self._on_thread, sql, params)

    async def revoke_sessions(self, session_ids: list[str], ttl_seconds: int) -> None:
        expires = time.time() + ttl_seconds
        for sid in session_ids:
            await self._write(
                "INSERT OR REPLACE INTO revocations (kind, value, expires_at) VALUES ('sid', ?, ?)", (sid, expires)
            )
        await self._write("DELETE FROM revocations WHERE expires_at IS NOT NULL AND expires_at < ?", (time.time(),))

    async def block_user(self, user_id: uuid.UUID) -> None:
        await self._write(
            "INSERT OR REPLACE INTO revocations (kind, value, expires_at) VALUES ('user', ?, NULL)", (str(user_id),)
        )

    async def unblock_user(self, user_id: uuid.UUID) -> None:
        await self._write("DELETE FROM revocations WHERE kind = 'user' AND value = ?", (str(user_id),))

    async def is_revoked(self, session_id: str, user_id: uuid.UUID) -> bool:
        rows = await self._read(
            "SELECT 1 FROM revocations WHERE ((kind = 'sid' AND value = ?) OR (kind = 'user' AND value = ?)) "
            "AND (expires_at IS NULL OR expires_at > ?) LIMIT 1",
            (session_id, str(user_id), time.time()),
        )
        return bool(rows)

    async def close(self) -> None:
        connections = [conn for conn in (self._reader, self._writer) if conn is not None]
        self._reader = self._writer = None
        for conn in connections:
            await asyncio.get_running_loop().run_in_executor(self._thread, conn.close)
        self._thread.shutdown(wait=False)


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
        self.url = url

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

    def keys_for(self, session_id: str, user_id: uuid.UUID) -> list[str]:
        """The keys whose presence revokes the session: its own and its user's."""
        return [f"{self.prefix}:sid:{session_id}", f"{self.prefix}:user:{user_id}"]

    async def is_revoked(self, session_id: str, user_id: uuid.UUID) -> bool:
        try:
            values = await self.redis.mget(*self.keys_for(session_id, user_id))
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
        # Access tokens that passed `decode` lately, so a client's next calls skip parsing and the Ed25519
        # check (0.15 ms of CPU); expiry and revocation are still checked on every call.
        self._verified: dict[str, tuple[float, Principal]] = {}

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
        principal = await self.principal(token)
        if await self.revocations.is_revoked(principal.session_id, principal.user_id):
            raise Unauthorized(SESSION_ENDED)
        return principal

    async def principal(self, token: str) -> Principal:
        """All `verify_access` checks but revocation, for a caller that asks it together with its rate limits
        (`RateLimiter.admit` with `NotRevoked`, one Redis round trip)."""
        principal = self._recently_verified(token)
        if principal is None:
            claims = await self.decode(token, ACCESS)
            try:
                user_id = uuid.UUID(str(claims["sub"]))
            except ValueError as exc:
                raise Unauthorized("Invalid token subject") from exc
            principal = Principal(
                user_id=user_id,
                role=str(claims.get("role", "user")),
                session_id=str(claims["sid"]),
                token_id=str(claims["jti"]),
                expires_at=int(claims["exp"]),
            )
            self._remember(token, principal)
        return principal

    def _recently_verified(self, token: str) -> Principal | None:
        entry = self._verified.get(token)
        if entry is None:
            return None
        verified_at, principal = entry
        # past its expiry (as `decode` judges it) the token goes through `decode` again, which refuses it
        if time.monotonic() - verified_at < VERIFIED_SECONDS and principal.expires_at > time.time() - LEEWAY_SECONDS:
            return principal
        del self._verified[token]
        return None

    def _remember(self, token: str, principal: Principal) -> None:
        if len(self._verified) >= VERIFIED_TOKENS:
            del self._verified[next(iter(self._verified))]  # the oldest
        self._verified[token] = (time.monotonic(), principal)


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None
