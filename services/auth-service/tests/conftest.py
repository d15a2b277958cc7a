"""auth-service fixtures: settings per database backend, a migrated database, the app on real uvicorn.

Every fixture that touches the database inherits the root conftest's `database_url` parametrisation, so
each such test runs on SQLite and on PostgreSQL. The PostgreSQL database is shared by the whole run:
tests use unique email addresses instead of cleaning up.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from zimage_auth.config import Settings
from zimage_auth.database import migration_target
from zimage_auth.main import create_app
from zimage_common.db import Database
from zimage_common.migrations import upgrade
from zimage_common.tokens import Revocations, revocations_for

from tests.support.servers import ServerThread, serve

API = "/api/v1"


def _unique_email(tag: str = "user") -> str:
    return f"{tag}-{uuid.uuid4().hex[:12]}@example.com"


class AuthAPI:
    """Thin helpers over the HTTP API, so tests read as the steps a client takes.

    Test modules cannot import this conftest (importlib mode), so constants and helpers ride along here.
    """

    API = API
    PASSWORD = "Tangerine-bicycle-42"

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    unique_email = staticmethod(_unique_email)

    @staticmethod
    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    async def register(
        self, email: str | None = None, password: str = PASSWORD, display_name: str = "Test User"
    ) -> dict[str, Any]:
        email = email or _unique_email()
        resp = await self.client.post(
            f"{API}/auth/register", json={"email": email, "password": password, "display_name": display_name}
        )
        assert resp.status_code == 201, resp.text
        return dict(resp.json())

    async def login(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        resp = await self.client.post(f"{API}/auth/login", json={"email": email, "password": password})
        assert resp.status_code == 200, resp.text
        # Tokens travel explicitly in these helpers; cookie flows are tested with the client itself.
        self.client.cookies.clear()
        return dict(resp.json())

    async def signed_up(self, password: str = PASSWORD) -> tuple[dict[str, Any], dict[str, Any]]:
        """A new account and one login's tokens."""
        user = await self.register(password=password)
        return user, await self.login(user["email"], password)

    async def me(self, access_token: str) -> httpx.Response:
        return await self.client.get(f"{API}/users/me", headers=self.bearer(access_token))

    async def refresh(self, refresh_token: str) -> httpx.Response:
        resp = await self.client.post(f"{API}/auth/refresh", json={"refresh_token": refresh_token})
        self.client.cookies.clear()
        return resp


@pytest.fixture
def server_overrides() -> dict[str, Any]:
    """Settings a test module changes (override this fixture in the module)."""
    return {}


@pytest.fixture
def settings(database_url: str | None, data_dir: Path, server_overrides: dict[str, Any]) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": data_dir,
        "redis_url": None,
        "env": "development",
        "trusted_proxies": [],
        **server_overrides,
    }
    return Settings(**values)


@pytest.fixture
def migrated(settings: Settings) -> Settings:
    # Sync fixture: Alembic's env runs its own event loop.
    upgrade(migration_target(settings))
    return settings


@pytest.fixture
def server(migrated: Settings) -> Iterator[ServerThread]:
    with serve(create_app(migrated)) as running:
        yield running


@pytest.fixture
async def client(server: ServerThread) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        yield http


@pytest.fixture
def api(client: httpx.AsyncClient) -> AuthAPI:
    return AuthAPI(client)


@pytest.fixture
async def db(migrated: Settings) -> AsyncIterator[Database]:
    """A second connection to the service's database, for steps that have no HTTP route yet (admin)."""
    database = Database(migrated.resolved_database_url(), migrated.database_schema)
    yield database
    await database.dispose()


@pytest.fixture
async def revocations(migrated: Settings) -> AsyncIterator[Revocations]:
    """The same revocation store the server uses (SQLite file under DATA_DIR, or Redis)."""
    store = revocations_for(migrated.redis_url, migrated.data_dir)
    yield store
    await store.close()


@pytest.fixture
def loopback_address() -> Callable[[], str]:
    """Fresh loopback source addresses other than 127.0.0.1: each is its own client to the throttle."""

    def make() -> str:
        return f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"

    return make
