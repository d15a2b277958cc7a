"""image-service fixtures: auth-service and image-service on real uvicorn, real databases, a recording queue.

A module shares one pair of servers per backend (module-scoped `backend`, same ids as the root conftest's),
so each test uses fresh users instead of a fresh database. Each module gets its own PostgreSQL database:
the sweeper and queue positions see every task in the schema, so modules must not see each other's tasks.
Modules change the image-service settings by overriding `image_overrides`.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from zimage_auth.cli import create_admin
from zimage_auth.config import Settings as AuthSettings
from zimage_auth.database import migration_target as auth_migration_target
from zimage_auth.main import create_app as create_auth_app
from zimage_common.errors import ServiceUnavailable
from zimage_common.migrations import upgrade
from zimage_common.queue import JobQueue
from zimage_image.config import Settings
from zimage_image.database import migration_target
from zimage_image.main import create_app

from tests.support.databases import create_pg_database, drop_pg_database
from tests.support.servers import ServerThread, free_port, serve

API = "/api/v1"
PASSWORD = "Tangerine-bicycle-42"
INTERNAL_TOKEN = "image-tests-internal-token-" + "7" * 16
WAIT_SECONDS = 15.0


class RecordingQueue(JobQueue):
    """The JobQueue port, recording what the relay publishes. Read from the test thread, written by the server's."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._published: list[str] = []
        self.down = False  # True: the broker refuses publishes, as CeleryJobQueue reports a dead broker
        self.refused = 0
        self.waiting: int | None = None  # what depth() reports; None: the broker cannot tell

    async def publish_generation(self, task_id: str) -> None:
        with self._lock:
            if self.down:
                self.refused += 1
                raise ServiceUnavailable("the job queue is unavailable")
            self._published.append(task_id)

    async def depth(self) -> int | None:
        with self._lock:
            return self.waiting

    @property
    def published(self) -> list[str]:
        with self._lock:
            return list(self._published)

    def count(self, task_id: str) -> int:
        return self.published.count(task_id)

    def mark(self) -> int:
        return len(self.published)

    def since(self, mark: int) -> list[str]:
        return self.published[mark:]

    def clear(self) -> None:
        """The broker lost every message it held."""
        with self._lock:
            self._published.clear()


@dataclass
class Stack:
    auth: ServerThread
    image: ServerThread
    settings: Settings
    queue: RecordingQueue
    auth_settings: AuthSettings


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
    path = tmp_path_factory.mktemp(f"image-{backend}") / "data"
    path.mkdir()
    return path


@pytest.fixture(scope="module")
def image_overrides() -> dict[str, Any]:
    """Image-service settings a module changes (override this fixture in the module)."""
    return {}


@pytest.fixture(scope="module")
def stack(database_url: str | None, data_dir: Path, image_overrides: dict[str, Any]) -> Iterator[Stack]:
    common: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": data_dir,
        "redis_url": None,
        "env": "development",
        "trusted_proxies": [],
        "s3_endpoint_url": None,
        "internal_token": INTERNAL_TOKEN,
    }
    auth_settings = AuthSettings(**common)
    upgrade(auth_migration_target(auth_settings))
    with serve(create_auth_app(auth_settings)) as auth_server:
        settings = Settings(
            **common
            | {
                "auth_service_url": auth_server.url,
                # nothing listens there: no gallery-service in these tests (never a dev one on :8003)
                "gallery_service_url": f"http://127.0.0.1:{free_port()}",
                # quiet by default: modules about the relay, leases and quotas set their own values
                "relay_interval_seconds": 0.2,
                "sweep_interval_seconds": 3600.0,
                "republish_after_seconds": 3600.0,
                "max_active_tasks": 50,
                "daily_image_quota": 1000,
                **image_overrides,
            }
        )
        upgrade(migration_target(settings))
        queue = RecordingQueue()
        with serve(create_app(settings, queue=queue)) as image_server:
            yield Stack(auth_server, image_server, settings, queue, auth_settings)


@dataclass
class User:
    id: str
    email: str
    headers: dict[str, str]


class SSEStream:
    """Reads a Server-Sent Events response in the background; `next()` hands over one event at a time."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.events: asyncio.Queue[tuple[int, str, dict[str, Any]] | None] = asyncio.Queue()
        self.closed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        event_id, name, data = "", "message", ""
        try:
            async for line in self.response.aiter_lines():
                if line.startswith("id:"):
                    event_id = line[3:].strip()
                elif line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:"):
                    data += line[5:].strip()
                elif line == "" and data:
                    await self.events.put((int(event_id), name, json.loads(data)))
                    event_id, name, data = "", "message", ""
        finally:
            self.closed.set()
            await self.events.put(None)

    async def next(self, within: float = WAIT_SECONDS) -> tuple[int, str, dict[str, Any]]:
        item = await asyncio.wait_for(self.events.get(), within)
        assert item is not None, "the server closed the stream"
        return item

    async def rest(self, within: float = WAIT_SECONDS) -> list[tuple[int, str, dict[str, Any]]]:
        """Every remaining event, once the server has closed the stream (fails if it stays open)."""
        await asyncio.wait_for(self.closed.wait(), within)
        out = []
        while (item := self.events.get_nowait()) is not None:
            out.append(item)
        return out

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


class ImageAPI:
    """Steps a client and a worker take, over HTTP. Test modules cannot import this conftest
    (importlib mode), so helpers and constants ride along on this fixture."""

    API = API
    INTERNAL_TOKEN = INTERNAL_TOKEN

    def __init__(self, stack: Stack, http: httpx.AsyncClient) -> None:
        self.stack = stack
        self.http = http
        self.url = stack.image.url
        self.settings = stack.settings
        self.queue = stack.queue

    # ---- users and the public API ------------------------------------------------------------

    async def user(self) -> User:
        email = f"img-{uuid.uuid4().hex[:12]}@example.com"
        auth = self.stack.auth.url
        resp = await self.http.post(
            f"{auth}{API}/auth/register", json={"email": email, "password": PASSWORD, "display_name": "Image Tester"}
        )
        assert resp.status_code == 201, resp.text
        user_id = resp.json()["id"]
        resp = await self.http.post(f"{auth}{API}/auth/login", json={"email": email, "password": PASSWORD})
        assert resp.status_code == 200, resp.text
        self.http.cookies.clear()
        return User(user_id, email, {"Authorization": f"Bearer {resp.json()['access_token']}"})

    async def admin(self) -> User:
        """A user promoted to admin with auth-service's operator command, signed in again for an admin token."""
        user = await self.user()
        with contextlib.redirect_stdout(io.StringIO()):
            await create_admin(self.stack.auth_settings, user.email, None, None)
        resp = await self.http.post(
            f"{self.stack.auth.url}{API}/auth/login", json={"email": user.email, "password": PASSWORD}
        )
        assert resp.status_code == 200, resp.text
        self.http.cookies.clear()
        return User(user.id, user.email, {"Authorization": f"Bearer {resp.json()['access_token']}"})

    async def generate(self, user: User | None, body: dict[str, Any]) -> httpx.Response:
        return await self.http.post(f"{self.url}{API}/generate", json=body, headers=user.headers if user else {})

    async def submit(self, user: User, prompt: str = "a red bicycle by the sea", **body: Any) -> dict[str, Any]:
        resp = await self.generate(user, {"prompt": prompt, **body})
        assert resp.status_code == 202, resp.text
        return dict(resp.json())

    async def get(self, user: User | None, path: str, **params: Any) -> httpx.Response:
        return await self.http.get(f"{self.url}{path}", params=params, headers=user.headers if user else {})

    async def task(self, user: User, task_id: str) -> dict[str, Any]:
        resp = await self.get(user, f"{API}/tasks/{task_id}")
        assert resp.status_code == 200, resp.text
        return dict(resp.json())

    async def list_tasks(self, user: User, **params: Any) -> dict[str, Any]:
        resp = await self.get(user, f"{API}/tasks", **params)
        assert resp.status_code == 200, resp.text
        return dict(resp.json())

    async def cancel(self, user: User, task_id: str) -> httpx.Response:
        return await self.http.post(f"{self.url}{API}/tasks/{task_id}/cancel", headers=user.headers)

    async def wait_status(self, user: User, task_id: str, status: str) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            task = await self.task(user, task_id)
            if task["status"] == status:
                return task
            assert time.monotonic() < deadline, f"task stayed {task['status']}, expected {status}: {task}"
            await asyncio.sleep(0.05)

    def events(self, user: User, task_id: str, last_event_id: int | None = None) -> Any:
        headers = dict(user.headers)
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        return self.http.stream(
            "GET", f"{self.url}{API}/tasks/{task_id}/events", headers=headers, timeout=httpx.Timeout(30)
        )

    # ---- the queue ------------------------------------------------------------------------------

    async def wait_published(self, task_id: str, times: int = 1, since: int = 0) -> None:
        """Until the relay has published `task_id` at least `times` times (after queue mark `since`)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while self.queue.since(since).count(task_id) < times:
            assert time.monotonic() < deadline, f"{task_id} published {self.queue.count(task_id)}×, wanted {times}"
            await asyncio.sleep(0.02)

    # ---- the worker's side ----------------------------------------------------------------------

    async def internal(
        self, task_id: str, action: str, body: dict[str, Any], token: str | None = INTERNAL_TOKEN
    ) -> httpx.Response:
        headers = {"X-Internal-Token": token} if token is not None else {}
        return await self.http.post(f"{self.url}/internal/v1/tasks/{task_id}/{action}", json=body, headers=headers)

    async def claim(self, task_id: str, worker: str = "test-worker") -> httpx.Response:
        return await self.internal(task_id, "claim", {"worker": worker})

    async def claimed(self, task_id: str, worker: str = "test-worker") -> dict[str, Any]:
        resp = await self.claim(task_id, worker)
        assert resp.status_code == 200, resp.text
        return dict(resp.json())

    async def heartbeat(self, task_id: str, attempt: int, step: int | None = None, total: int | None = None) -> Any:
        return await self.internal(task_id, "heartbeat", {"attempt": attempt, "step": step, "total": total})

    async def store_images(self, claim: dict[str, Any]) -> tuple[list[dict[str, Any]], list[bytes]]:
        """Write real PNG/WebP files where the worker would, and the report that names them."""
        store = self.settings.object_store()
        reports, pngs = [], []
        for index in range(claim["num_images"]):
            seed = claim["seed"] + index
            image = Image.new("RGB", (8, 8), (seed % 256, index * 60, 200))
            png, thumb = io.BytesIO(), io.BytesIO()
            image.save(png, "PNG")
            image.save(thumb, "WEBP")
            base = f"{claim['user_id']}/{claim['task_id']}/{index}"
            await store.put(f"{base}.png", png.getvalue(), "image/png")
            await store.put(f"{base}.webp", thumb.getvalue(), "image/webp")
            reports.append(
                {
                    "index": index,
                    "seed": seed,
                    "width": claim["width"],
                    "height": claim["height"],
                    "png_key": f"{base}.png",
                    "thumb_key": f"{base}.webp",
                    "png_bytes": len(png.getvalue()),
                }
            )
            pngs.append(png.getvalue())
        return reports, pngs

    async def complete(self, claim: dict[str, Any], images: list[dict[str, Any]]) -> httpx.Response:
        body = {
            "attempt": claim["attempt"],
            "engine": "tiny",
            "model": "tiny-random",
            "gpu_seconds": 0.5,
            "images": images,
        }
        return await self.internal(claim["task_id"], "complete", body)

    async def run_to_completion(self, task_id: str) -> tuple[dict[str, Any], list[bytes]]:
        """Play the worker: claim, write the files, report them."""
        claim = await self.claimed(task_id)
        images, pngs = await self.store_images(claim)
        resp = await self.complete(claim, images)
        assert resp.status_code == 200, resp.text
        return claim, pngs


@pytest.fixture
async def image(stack: Stack) -> AsyncIterator[ImageAPI]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield ImageAPI(stack, http)


@pytest.fixture
def sse_stream() -> type[SSEStream]:
    return SSEStream
