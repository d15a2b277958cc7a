"""Plain process control and observation for the fault-injection suite.

Everything here observes the platform from outside: the public API (through the gateway), the
object folder, the broker's Redis, the supervisor's output and — read-only — the task, image and outbox tables.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import psutil
import redis

from tests.support.stack import PASSWORD, Stack

TERMINAL = frozenset({"completed", "failed", "canceled"})
QUEUE = "image_generation"
T = TypeVar("T")


def wait_until(check: Callable[[], T | None], timeout: float, what: str, interval: float = 0.2) -> T:
    """Poll `check` until it returns something truthy; the deadline only guards against hangs."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class Api:
    """One signed-in user talking to the gateway."""

    def __init__(self, stack: Stack, client: httpx.Client) -> None:
        self.stack = stack
        self.client = client
        self.headers = self._sign_up()
        me = client.get(f"{stack.api}/users/me", headers=self.headers)
        assert me.status_code == 200, me.text
        self.user_id = str(me.json()["id"])

    def _sign_up(self) -> dict[str, str]:
        """A fresh user. After a Redis restart the services' first call on each stale pooled Redis
        connection answers 503 (they reconnect on the next one), so 503 is retried here."""
        email = f"u-{uuid.uuid4().hex[:10]}@example.com"
        account = {"email": email, "password": PASSWORD, "display_name": "Tester"}

        def call(path: str, body: dict[str, str], expected: int) -> httpx.Response | None:
            r = self.client.post(f"{self.stack.api}/auth/{path}", json=body)
            if r.status_code == 503:
                return None
            assert r.status_code == expected, r.text
            return r

        wait_until(lambda: call("register", account, 201), 30, "registration", interval=0.5)
        login = wait_until(
            lambda: call("login", {"email": email, "password": PASSWORD}, 200), 30, "sign-in", interval=0.5
        )
        return {"Authorization": f"Bearer {login.json()['access_token']}"}

    def submit(self, prompt: str, *, num_images: int = 1, size: int = 256, **extra: Any) -> dict[str, Any]:
        body = {"prompt": prompt, "width": size, "height": size, "num_images": num_images, **extra}
        r = self.client.post(f"{self.stack.api}/generate", headers=self.headers, json=body)
        assert r.status_code == 202, r.text
        return dict(r.json())

    def submit_many(self, prompts: Sequence[str], num_images: Callable[[int], int] = lambda i: 1) -> list[str]:
        """Submit one task per prompt, four requests in flight at a time; returns the task ids in prompt order."""

        def one(i: int) -> str:
            return str(self.submit(prompts[i], num_images=num_images(i))["id"])

        with ThreadPoolExecutor(4) as pool:
            return list(pool.map(one, range(len(prompts))))

    def get(self, task_id: str) -> dict[str, Any] | None:
        """The task, or None while the API cannot answer (a dependency is down)."""
        try:
            r = self.client.get(f"{self.stack.api}/tasks/{task_id}", headers=self.headers)
        except httpx.HTTPError:
            return None
        return dict(r.json()) if r.status_code == 200 else None

    def task_page(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """One page of this user's task list, or None while the API cannot answer."""
        try:
            r = self.client.get(f"{self.stack.api}/tasks", headers=self.headers, params=params)
        except httpx.HTTPError:
            return None
        return dict(r.json()) if r.status_code == 200 else None

    def tasks(self, status: str | None = None) -> dict[str, dict[str, Any]] | None:
        """Every task of this user (up to 100) by id, or None while the API cannot answer."""
        params: dict[str, Any] = {"limit": 100}
        if status:
            params["status"] = status
        page = self.task_page(params)
        return None if page is None else {t["id"]: t for t in page["items"]}

    def cancel(self, task_id: str) -> httpx.Response:
        return self.client.post(f"{self.stack.api}/tasks/{task_id}/cancel", headers=self.headers)

    def wait_terminal(self, ids: Iterable[str], timeout: float) -> dict[str, dict[str, Any]]:
        wanted = set(ids)
        latest: dict[str, dict[str, Any]] = {}

        def done() -> bool:
            page = self.tasks()
            if page is not None:
                latest.update({i: page[i] for i in wanted if i in page})
            return all(latest.get(i, {}).get("status") in TERMINAL for i in wanted)

        try:
            wait_until(done, timeout, f"{len(wanted)} tasks to end", interval=0.4)
        except AssertionError as exc:
            stuck = {i: (latest.get(i) or {}).get("status") for i in wanted}
            stuck = {i: s for i, s in stuck.items() if s not in TERMINAL}
            raise AssertionError(f"{exc}; not terminal: {stuck}\n" + "\n".join(self.stack.lines[-60:])) from None
        return {i: latest[i] for i in wanted}

    def all_tasks(self) -> dict[str, dict[str, Any]] | None:
        """Every task of this user by id (every page), or None while the API cannot answer."""
        out: dict[str, dict[str, Any]] = {}
        params: dict[str, Any] = {"limit": 100}
        while True:
            page = self.task_page(params)
            if page is None:
                return None
            out |= {t["id"]: t for t in page["items"]}
            if not page["next_cursor"]:
                return out
            params["cursor"] = page["next_cursor"]

    def wait_all_terminal(self, pg_url: str, ids: list[str], timeout: float) -> dict[str, dict[str, Any]]:
        """`wait_terminal` for a hundred tasks or more: waits on the task table (cheap enough to poll on a busy
        2-core machine), then reads the tasks through the API."""
        try:
            wait_until(lambda: unfinished(pg_url, ids) == 0, timeout, f"{len(ids)} tasks to end", interval=1.0)
        except AssertionError as exc:
            left = unfinished(pg_url, ids)
            raise AssertionError(f"{exc}; {left} left\n" + "\n".join(self.stack.lines[-60:])) from None
        tasks = wait_until(self.all_tasks, 30, "the task list")
        return {i: tasks[i] for i in ids}


# ---- objects --------------------------------------------------------------------------------------


def object_files(stack: Stack, task_id: str) -> list[str]:
    """Every file (temp files included) in the task's object folder, as names relative to it."""
    root = stack.data_dir / "objects"
    out: list[str] = []
    for folder in root.glob(f"*/{task_id}"):
        out += sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    return out


def expected_objects(num_images: int) -> list[str]:
    return sorted(name for i in range(num_images) for name in (f"{i}.png", f"{i}.thumb.webp"))


def user_object_files(stack: Stack, user_id: str) -> list[Path]:
    folder = stack.data_dir / "objects" / user_id
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# ---- the worker's processes ---------------------------------------------------------------------


def _cmd(p: psutil.Process) -> str:
    try:
        return " ".join(p.cmdline())
    except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        return ""


def _alive(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def worker_main(stack: Stack) -> psutil.Process | None:
    """The Celery main process the supervisor started (None while it is being restarted)."""
    assert stack.proc
    for p in psutil.Process(stack.proc.pid).children():
        if "celery" in _cmd(p) and _alive(p):
            return p
    return None


def service_process(stack: Stack, factory_module: str) -> psutil.Process | None:
    """The uvicorn process of one FastAPI service (e.g. `zimage_image.main`), None while it is restarting."""
    assert stack.proc
    for p in psutil.Process(stack.proc.pid).children():
        if f"{factory_module}:create_app" in _cmd(p) and _alive(p):
            return p
    return None


def worker_pool(stack: Stack) -> list[psutil.Process]:
    main = worker_main(stack)
    if main is None:
        return []
    try:
        return [c for c in main.children() if _alive(c)]
    except psutil.NoSuchProcess:
        return []


def wait_worker_ready(stack: Stack, timeout: float = 90) -> tuple[psutil.Process, psutil.Process]:
    """A worker main process with exactly one pool process whose engine is loaded."""

    def ready() -> tuple[psutil.Process, psutil.Process] | None:
        main = worker_main(stack)
        pool = worker_pool(stack)
        if main is None or len(pool) != 1:
            return None
        if not any("engine_ready" in line and f"pid={pool[0].pid}" in line for line in stack.lines):
            return None
        return main, pool[0]

    return wait_until(ready, timeout, "the worker and its pool process to be ready")


def pids_gone(pids: Iterable[int]) -> bool:
    out = True
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess):
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                out = False
    return out


@contextlib.contextmanager
def worker_frozen(stack: Stack) -> Iterator[list[psutil.Process]]:
    """SIGSTOP the worker's main and pool processes; SIGCONT them on the way out, whatever happens."""
    main = worker_main(stack)
    assert main is not None, "no worker to freeze"
    group = [main, *worker_pool(stack)]
    for p in group:
        p.suspend()
    try:
        yield group
    finally:
        for p in reversed(group):
            with contextlib.suppress(psutil.NoSuchProcess):
                p.resume()


def kill_process_group(pid: int) -> None:
    """`kill -9` a whole process group (the supervisor starts each service as its own group)."""
    os.killpg(os.getpgid(pid), signal.SIGKILL)


# ---- the broker -----------------------------------------------------------------------------------


def queue_counts(client: redis.Redis) -> tuple[int, int]:
    """(messages waiting in the generation queue, messages delivered but not yet acknowledged)."""
    waiting = sum(int(client.llen(key)) for key in client.scan_iter(match=f"{QUEUE}*"))  # priority sub-queues too
    return waiting, int(client.hlen("unacked"))


# ---- the task table (read-only) -------------------------------------------------------------------


def unfinished(pg_url: str, ids: list[str]) -> int | None:
    """How many of these tasks are not terminal yet (None while the database is down)."""

    async def fetch() -> int:
        conn = await asyncpg.connect(pg_url, timeout=5)
        try:
            done = await conn.fetchval(
                "SELECT count(*) FROM image.tasks WHERE id::text = ANY($1) AND status = ANY($2)", ids, list(TERMINAL)
            )
            return len(ids) - int(done)
        finally:
            await conn.close()

    try:
        return asyncio.run(fetch())
    except (OSError, asyncpg.PostgresError):
        return None


def outbox_state(pg_url: str, ids: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Per task: (generate messages the relay has published to the broker, messages still waiting)."""

    async def fetch() -> dict[str, tuple[int, int]]:
        conn = await asyncpg.connect(pg_url, timeout=10)
        try:
            rows = await conn.fetch(
                "SELECT payload->>'task_id' AS task_id, count(published_at) AS sent,"
                " count(*) - count(published_at) AS waiting FROM image.outbox"
                " WHERE topic = 'generate' AND payload->>'task_id' = ANY($1) GROUP BY 1",
                list(ids),
            )
            return {r["task_id"]: (int(r["sent"]), int(r["waiting"])) for r in rows}
        finally:
            await conn.close()

    return asyncio.run(fetch())


def lines_since(stack: Stack, mark: int, text: str) -> list[str]:
    return [line for line in stack.lines[mark:] if text in line]


def queue_mentions(client: redis.Redis, task_id: str) -> int:
    """Messages for this task still waiting or delivered-but-unacknowledged (Celery puts the id in argsrepr)."""
    needle = task_id.encode()
    count = 0
    for key in client.scan_iter(match=f"{QUEUE}*"):
        count += sum(needle in raw for raw in client.lrange(key, 0, -1))
    count += sum(needle in raw for raw in client.hvals("unacked"))
    return count


def image_row_count(pg_url: str, task_id: str) -> int:
    async def fetch() -> int:
        conn = await asyncpg.connect(pg_url, timeout=10)
        try:
            return int(await conn.fetchval("SELECT count(*) FROM image.task_images WHERE task_id::text = $1", task_id))
        finally:
            await conn.close()

    return asyncio.run(fetch())
