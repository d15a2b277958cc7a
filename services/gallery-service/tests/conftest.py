"""gallery-service fixtures: auth-service and gallery-service on real uvicorn, real databases, real tokens.

A module shares one pair of servers per backend (module-scoped `backend`, same ids as the root conftest's),
so each test uses fresh users instead of a fresh database; each module gets a PostgreSQL database of its own.
Modules change the gallery-service settings by overriding `gallery_overrides`.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from zimage_auth.config import Settings as AuthSettings
from zimage_auth.database import migration_target as auth_migration_target
from zimage_auth.main import create_app as create_auth_app
from zimage_auth.users.service import create_or_promote_admin
from zimage_common.db import Database
from zimage_common.migrations import upgrade
from zimage_common.tokens import revocations_for
from zimage_gallery.config import Settings
from zimage_gallery.database import migration_target
from zimage_gallery.main import create_app

from tests.support.databases import create_pg_database, drop_pg_database
from tests.support.servers import ServerThread, serve

API = "/api/v1"
PASSWORD = "Tangerine-bicycle-42"
INTERNAL_TOKEN = "gallery-tests-internal-token-" + "5" * 16


@dataclass
class Stack:
    auth: ServerThread
    gallery: ServerThread
    auth_settings: AuthSettings
    settings: Settings


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """Module-scoped twin of the root conftest's `backend`: one pair of servers per module and backend."""
    return str(request.param)


@pytest.fixture(scope="module")
def database_url(backend: str) -> Iterator[str | None]:
    """None: SQLite files under the module's data_dir; otherwise a PostgreSQL database of the module's own."""
    if backend == "sqlite":
        yield None
        return
    url = create_pg_database()
    yield url
    drop_pg_database(url)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, backend: str) -> Path:
    path = tmp_path_factory.mktemp(f"gallery-{backend}") / "data"
    path.mkdir()
    return path


@pytest.fixture(scope="module")
def gallery_overrides() -> dict[str, Any]:
    """Gallery-service settings a module changes (override this fixture in the module)."""
    return {}


@pytest.fixture(scope="module")
def stack(database_url: str | None, data_dir: Path, gallery_overrides: dict[str, Any]) -> Iterator[Stack]:
    common: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": data_dir,
        "redis_url": None,
        "env": "development",
        "s3_endpoint_url": None,
        "internal_token": INTERNAL_TOKEN,
    }
    auth_settings = AuthSettings(**common, trusted_proxies=[])
    upgrade(auth_migration_target(auth_settings))
    with serve(create_auth_app(auth_settings)) as auth_server:
        # the periodic reconciler stays off unless a module turns it on
        settings = Settings(
            **common | {"auth_service_url": auth_server.url, "reconcile_interval_seconds": 0, **gallery_overrides}
        )
        upgrade(migration_target(settings))
        with serve(create_app(settings)) as gallery_server:
            yield Stack(auth_server, gallery_server, auth_settings, settings)


@dataclass
class User:
    id: str
    email: str
    headers: dict[str, str]


class GalleryAPI:
    """Steps a client takes, over HTTP. Test modules cannot import this conftest (importlib mode), so helpers
    and constants ride along on this fixture."""

    API = API
    INTERNAL_TOKEN = INTERNAL_TOKEN

    def __init__(self, stack: Stack, http: httpx.AsyncClient) -> None:
        self.stack = stack
        self.http = http
        self.url = stack.gallery.url
        self.settings = stack.settings

    async def user(self) -> User:
        """A new account, signed in."""
        email = f"gal-{uuid.uuid4().hex[:12]}@example.com"
        resp = await self.http.post(
            f"{self.stack.auth.url}{API}/auth/register",
            json={"email": email, "password": PASSWORD, "display_name": "Gallery Tester"},
        )
        assert resp.status_code == 201, resp.text
        return await self.login(email)

    async def admin(self) -> User:
        """A new administrator, made the way operators make one (create-or-promote), then signed in."""
        email = f"gal-admin-{uuid.uuid4().hex[:12]}@example.com"
        db = Database(self.stack.auth_settings.resolved_database_url(), self.stack.auth_settings.database_schema)
        revocations = revocations_for(None, self.stack.auth_settings.data_dir)
        try:
            async with db.unit_of_work() as session:
                _, created = await create_or_promote_admin(
                    session, revocations=revocations, email=email, password=PASSWORD, display_name="Gallery Admin"
                )
            assert created
        finally:
            await revocations.close()
            await db.dispose()
        return await self.login(email)

    async def login(self, email: str) -> User:
        auth = self.stack.auth.url
        resp = await self.http.post(f"{auth}{API}/auth/login", json={"email": email, "password": PASSWORD})
        assert resp.status_code == 200, resp.text
        self.http.cookies.clear()
        token = resp.json()["access_token"]
        me = await self.http.get(f"{auth}{API}/users/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200, me.text
        return User(me.json()["id"], email, {"Authorization": f"Bearer {token}"})

    async def call(
        self,
        method: str,
        path: str,
        user: User | None = None,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """`path` is relative to the gallery's root, e.g. '/api/v1/templates'."""
        all_headers = {**(user.headers if user else {}), **(headers or {})}
        return await self.http.request(method, f"{self.url}{path}", json=json, params=params, headers=all_headers)

    async def audit(self, admin: User, target_id: str) -> list[dict[str, Any]]:
        """auth-service's audit rows about `target_id`, oldest first."""
        resp = await self.http.get(
            f"{self.stack.auth.url}{API}/admin/audit", params={"target_id": target_id}, headers=admin.headers
        )
        assert resp.status_code == 200, resp.text
        return list(reversed(resp.json()["items"]))

    async def ok(self, method: str, path: str, user: User | None = None, *, status: int = 200, **kwargs: Any) -> Any:
        resp = await self.call(method, path, user, **kwargs)
        assert resp.status_code == status, (method, path, resp.status_code, resp.text)
        return resp.json() if resp.content else None


@pytest.fixture
async def gallery(stack: Stack) -> AsyncIterator[GalleryAPI]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield GalleryAPI(stack, http)


# ---- images: seeding records and their objects (images, folders, tags, exports, reconciler tests) ----------


def png_bytes(width: int = 64, height: int = 48, color: tuple[int, int, int] = (200, 80, 40)) -> bytes:
    """A real PNG with gradients in every channel, so crops and resizes have something to move."""
    import io

    from PIL import Image, ImageChops

    size = (width, height)
    red = Image.linear_gradient("L").resize(size)
    green = Image.linear_gradient("L").rotate(90).resize(size)
    blue = ImageChops.add(Image.radial_gradient("L").resize(size), Image.new("L", size, color[2]))
    image = Image.merge("RGB", (ImageChops.add(red, Image.new("L", size, color[0])), green, blue))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


class Seeder:
    """Images as image-service hands them over (PUT /internal/v1/images), with real PNG/WebP objects."""

    def __init__(self, api: GalleryAPI) -> None:
        self.api = api
        self.store = api.settings.object_store()
        self._clock = 0

    def record(
        self, owner: User | str, *, prompt: str = "a red bicycle by the sea", with_objects: bool = True, **fields: Any
    ) -> dict[str, Any]:
        from datetime import UTC, datetime, timedelta

        owner_id = owner.id if isinstance(owner, User) else owner
        task_id = fields.pop("task_id", str(uuid.uuid4()))
        index = fields.pop("index", 0)
        self._clock += 1
        base = f"{owner_id}/{task_id}/{index}"
        record = {
            "id": str(uuid.uuid4()),
            "owner_id": owner_id,
            "task_id": task_id,
            "index": index,
            "png_key": f"{base}.png",
            "thumb_key": f"{base}.webp",
            "png_bytes": 1234,
            "width": 1024,
            "height": 1024,
            "generation_width": 1024,
            "generation_height": 1024,
            "preset": "square_1024",
            "prompt": prompt,
            "negative_prompt": None,
            "seed": 42,
            "steps": 8,
            "guidance_scale": 0.0,
            "model": "Tongyi-MAI/Z-Image-Turbo",
            "engine": "tiny",
            "template_id": None,
            # distinct, increasing times: newest-first order is the order of creation
            "created_at": (datetime.now(UTC) + timedelta(milliseconds=self._clock)).isoformat(),
        }
        record.update(fields)
        record["_with_objects"] = with_objects
        return record

    async def ingest(self, records: list[dict[str, Any]], token: str | None = INTERNAL_TOKEN) -> httpx.Response:
        body = {"images": [{k: v for k, v in r.items() if not k.startswith("_")} for r in records]}
        headers = {"X-Internal-Token": token} if token is not None else {}
        return await self.api.http.put(f"{self.api.url}/internal/v1/images", json=body, headers=headers)

    async def put_objects(self, record: dict[str, Any], width: int = 64, height: int = 48) -> bytes:
        import io

        from PIL import Image

        png = png_bytes(width, height)
        thumb = io.BytesIO()
        Image.open(io.BytesIO(png)).save(thumb, "WEBP")
        await self.store.put(record["png_key"], png, "image/png")
        await self.store.put(record["thumb_key"], thumb.getvalue(), "image/webp")
        return png

    async def images(self, owner: User | str, count: int = 1, **fields: Any) -> list[dict[str, Any]]:
        """`count` new images of `owner`, stored and ingested; returns the ingested records."""
        records = [self.record(owner, **fields) for _ in range(count)]
        for r in records:
            if r["_with_objects"]:
                await self.put_objects(r)
        resp = await self.ingest(records)
        assert resp.status_code == 200, resp.text
        assert resp.json() == {"ingested": count, "created": count, "skipped": 0}
        return records

    async def image(self, owner: User | str, **fields: Any) -> dict[str, Any]:
        return (await self.images(owner, 1, **fields))[0]


@pytest.fixture
def seed(gallery: GalleryAPI) -> Seeder:
    return Seeder(gallery)
