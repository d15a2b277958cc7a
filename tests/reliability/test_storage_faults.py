"""Storage faults against real processes: PostgreSQL stopped immediately and restarted during a run,
and the S3 server cut off for 30 s during uploads (RELIABILITY.md P1, P2, P3, P6; the test plan's
"PostgreSQL restart" and "object store down" rows).

One stack for the module, all of it private to the test: a PostgreSQL cluster of its own (`initdb`,
`pg_ctl`, a free port; the machine's shared server is never touched), a private Redis (AOF) as broker,
and moto's S3 reached only through a TCP proxy of ours, so "the S3 server is down" is an honest network
fault while moto keeps its objects. No step delay: a tiny-engine task at 256² takes a fraction of a second.

After each fault: every task terminal (here: completed), none lost, one image set per task (image rows
= gallery records = stored objects = `num_images`, nothing else under the user's prefix), and every API
answer while a dependency was down a 503 with a readable body (never a 500, never a hang).

Sizes as the plan gives them: 100 tasks across the PostgreSQL stop, every fifth with two images; the
stop lands with tasks in every state at once — finished, mid-denoising, publishing, reporting `complete`,
claimed, waiting in the queue, gallery hand-offs in the outbox. The object store is cut for the full 30 s,
with 8 tasks behind the first."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import boto3
import httpx
import pytest

from tests.reliability.conftest import FAST_HEALING
from tests.reliability.helpers import Api, lines_since, unfinished, wait_until, wait_worker_ready
from tests.support.postgres_cluster import PostgresCluster
from tests.support.redis_server import RedisServer
from tests.support.s3 import S3_TEST_ACCESS_KEY, S3_TEST_REGION, S3_TEST_SECRET_KEY, moto_server
from tests.support.stack import Stack
from tests.support.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

PG_TASKS = 100
PG_OUTAGE_SECONDS = 8.0
S3_TASKS = 8
S3_OUTAGE_SECONDS = 30.0
BUCKET = f"reliability-{uuid.uuid4().hex[:8]}"
SLOW_ANSWER = 10.0  # seconds: an answer slower than this while a dependency is down counts as a hang


def images_for(i: int) -> int:
    return 2 if i % 5 == 0 else 1


# ---- the module's private dependencies ------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    pg = PostgresCluster().create()
    yield pg
    pg.destroy()


@pytest.fixture(scope="module")
def s3() -> Iterator[tuple[str, TcpProxy]]:
    """(moto's own endpoint, the proxy in front of it that the services use)."""
    with moto_server() as endpoint:
        host, port = endpoint.removeprefix("http://").rsplit(":", 1)
        proxy = TcpProxy(host, int(port)).start()
        yield endpoint, proxy
        proxy.cut()


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    broker: RedisServer,
    cluster: PostgresCluster,
    s3: tuple[str, TcpProxy],
) -> Iterator[Stack]:
    _, proxy = s3
    data_dir: Path = tmp_path_factory.mktemp("reliability-storage") / "data"
    data_dir.mkdir()
    env = FAST_HEALING | {
        "DATABASE_URL": cluster.url,
        "REDIS_URL": broker.url,
        "S3_ENDPOINT_URL": proxy.url,
        "S3_BUCKET": BUCKET,
        "S3_REGION": S3_TEST_REGION,
        "S3_ACCESS_KEY": S3_TEST_ACCESS_KEY,
        "S3_SECRET_KEY": S3_TEST_SECRET_KEY,
        "IMAGE_MAX_ACTIVE_TASKS": str(PG_TASKS + 10),
    }
    s = Stack(data_dir, env).start()
    try:
        wait_worker_ready(s)
        yield s
    finally:
        if not cluster.running:
            cluster.start()
        if not proxy.is_open:
            proxy.restore()
        s.stop()


# ---- observation ----------------------------------------------------------------------------------


def gallery_images(api: Api) -> list[dict[str, Any]] | None:
    out: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 100}
    while True:
        r = api.client.get(f"{api.stack.api}/gallery/images", headers=api.headers, params=params)
        if r.status_code != 200:
            return None
        page = r.json()
        out += page["items"]
        if not page["next_cursor"]:
            return out
        params["cursor"] = page["next_cursor"]


def stored_keys(endpoint: str, user_id: str) -> list[str]:
    """Every object under the user's prefix, read from moto directly (not through the proxy)."""
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=S3_TEST_REGION,
        aws_access_key_id=S3_TEST_ACCESS_KEY,
        aws_secret_access_key=S3_TEST_SECRET_KEY,
    )
    keys: list[str] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=f"{user_id}/"):
        keys += [item["Key"] for item in page.get("Contents") or []]
    return sorted(keys)


def image_rows(pg_url: str, task_ids: list[str]) -> dict[str, int]:
    async def fetch() -> dict[str, int]:
        conn = await asyncpg.connect(pg_url, timeout=10)
        try:
            rows = await conn.fetch(
                "SELECT task_id::text AS task_id, count(*) AS n FROM image.task_images"
                " WHERE task_id::text = ANY($1) GROUP BY 1",
                task_ids,
            )
            return {r["task_id"]: int(r["n"]) for r in rows}
        finally:
            await conn.close()

    return asyncio.run(fetch())


def assert_one_result_each(api: Api, final: dict[str, dict[str, Any]], endpoint: str, pg_url: str) -> None:
    """One image set per task: rows = gallery records = objects = num_images, nothing more stored."""
    expected_keys: list[str] = []
    for task in final.values():
        n = task["num_images"]
        assert task["status"] == "completed", task
        assert 1 <= task["attempts"] <= 3, task
        assert sorted(i["index"] for i in task["images"]) == list(range(n)), task
        expected_keys += [f"{api.user_id}/{task['id']}/{i}.{ext}" for i in range(n) for ext in ("png", "thumb.webp")]
    rows = image_rows(pg_url, list(final))
    assert rows == {t["id"]: t["num_images"] for t in final.values()}, "duplicate or missing image rows"

    want = sorted((t["id"], i["id"]) for t in final.values() for i in t["images"])

    def gallery_caught_up() -> list[tuple[str, str]] | None:
        listed = gallery_images(api)
        got = sorted((g["task_id"], g["id"]) for g in listed or [])
        return got if got == want else None

    wait_until(gallery_caught_up, 60, "the gallery to hold exactly the tasks' images", interval=1.0)
    assert stored_keys(endpoint, api.user_id) == sorted(expected_keys), "orphan or missing objects"


def completed(api: Api, task_id: str) -> dict[str, Any] | None:
    task = api.get(task_id)
    return task if task and task["status"] == "completed" else None


def probe(client: httpx.Client, method: str, url: str, **kwargs: Any) -> tuple[str, int, float, dict[str, Any]]:
    started = time.monotonic()
    try:
        r = client.request(method, url, timeout=SLOW_ANSWER * 2, **kwargs)
    except httpx.TimeoutException:
        return (f"{method} {url}", 0, time.monotonic() - started, {})
    body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
    return (f"{method} {url.split('/api/v1')[-1]}", r.status_code, time.monotonic() - started, body)


# ---- the tests ------------------------------------------------------------------------------------


def test_postgresql_immediate_stop_and_restart_during_a_run(
    stack: Stack, api: Api, cluster: PostgresCluster, s3: tuple[str, TcpProxy]
) -> None:
    """Plan: `pg_ctl stop -m immediate` during the run, restart → 503 (never 500, never a hang) while it
    is down; 100/100 terminal, one image set per task, gallery = objects = images."""
    endpoint, _ = s3
    wait_worker_ready(stack)
    mark = len(stack.lines)
    ids = api.submit_many([f"database restart {i}" for i in range(PG_TASKS)], images_for)
    wait_until(lambda: (n := unfinished(cluster.url, ids)) is not None and n <= PG_TASKS - 3, 120, "first tasks to end")

    cluster.stop_immediately()
    answers: list[tuple[str, int, float, dict[str, Any]]] = []
    try:
        started = time.monotonic()
        body = {"prompt": "submitted while the database is down", "width": 256, "height": 256}
        login = {"email": f"nobody-{uuid.uuid4().hex[:6]}@example.com", "password": "correct-horse-42"}
        while time.monotonic() - started < PG_OUTAGE_SECONDS:
            base, h = stack.api, api.headers
            answers += [
                probe(api.client, "GET", f"{base}/tasks", headers=h),
                probe(api.client, "GET", f"{base}/tasks/{ids[0]}", headers=h),
                probe(api.client, "POST", f"{base}/generate", headers=h, json=body),
                probe(api.client, "GET", f"{base}/gallery/images", headers=h),
                probe(api.client, "POST", f"{base}/auth/login", json=login),
            ]
            time.sleep(0.5)
    finally:
        cluster.start()

    summary = sorted({(what, status) for what, status, _, _ in answers})
    slowest = max(seconds for _, _, seconds, _ in answers)
    print(f"{len(answers)} answers while PostgreSQL was down (slowest {slowest:.2f} s): {summary}")
    for what, status, seconds, problem in answers:
        assert status == 503, (what, status, problem)
        assert problem.get("error") == "ServiceUnavailable" and problem.get("detail"), (what, problem)
        assert seconds < SLOW_ANSWER, (what, seconds)

    final = api.wait_all_terminal(cluster.url, ids, 300)
    assert_one_result_each(api, final, endpoint, cluster.url)
    attempts = sorted(t["attempts"] for t in final.values())
    print(f"attempts: {attempts.count(1)}×1, {attempts.count(2)}×2, {attempts.count(3)}×3")
    # the services went on after the restart on their own: nobody restarted them
    assert not lines_since(stack, mark, "exited with code"), lines_since(stack, mark, "exited with code")


def test_object_store_cut_for_30_s_during_uploads(
    stack: Stack, api: Api, cluster: PostgresCluster, s3: tuple[str, TcpProxy]
) -> None:
    """Plan: the S3 server unreachable for 30 s during uploads → every task completes after backoff.

    The worker retries its uploads in place with backoff while it keeps the task's lease, so nothing
    costs an attempt; reads that need no object answer 200 meanwhile, one that must read the PNG 503."""
    endpoint, proxy = s3
    wait_worker_ready(stack)
    mark = len(stack.lines)
    first = api.submit("before the object store goes away")
    done = wait_until(lambda: completed(api, first["id"]), 60, "a first task")
    image_id = done["images"][0]["id"]
    wait_until(lambda: any(g["id"] == image_id for g in gallery_images(api) or []), 30, "the image in the gallery")
    ids = [first["id"]] + [
        api.submit(f"object store down {i}", num_images=images_for(i))["id"] for i in range(S3_TASKS)
    ]
    wait_until(lambda: any(t["status"] == "processing" for t in (api.all_tasks() or {}).values()), 30, "uploads")

    proxy.cut()
    answers: list[tuple[str, int, float, dict[str, Any]]] = []
    try:
        started = time.monotonic()
        while time.monotonic() - started < S3_OUTAGE_SECONDS:
            base, h = stack.api, api.headers
            answers += [
                probe(api.client, "GET", f"{base}/tasks", headers=h),
                probe(api.client, "GET", f"{base}/gallery/images", headers=h),
                probe(
                    api.client,
                    "GET",
                    f"{base}/gallery/images/{image_id}/export",
                    headers=h,
                    params={"preset": "instagram_square"},
                    follow_redirects=False,
                ),
            ]
            time.sleep(1.0)
        during = api.all_tasks() or {}
    finally:
        proxy.restore()

    summary = sorted({(what, status) for what, status, _, _ in answers})
    print(f"{len(answers)} answers while the object store was cut off: {summary}")
    for what, status, seconds, problem in answers:
        needs_objects = "/export" in what
        assert status == (503 if needs_objects else 200), (what, status, problem)
        assert seconds < SLOW_ANSWER, (what, seconds)
        if needs_objects:
            assert problem.get("error") == "ServiceUnavailable" and problem.get("detail"), problem
    assert not all(t["status"] == "completed" for i, t in during.items() if i in ids), "nothing waited on the store"

    final = api.wait_all_terminal(cluster.url, ids, 240)
    assert_one_result_each(api, final, endpoint, cluster.url)
    retries = lines_since(stack, mark, "object_store_retry")
    assert retries, "no upload hit the outage: the test proved nothing"
    # retried in place: the outage cost no task an attempt
    assert [t["attempts"] for t in final.values()] == [1] * len(ids), {i: t["attempts"] for i, t in final.items()}
    print(f"{len(retries)} upload retries waited out the cut")
