"""Load test: simulated team members against the real platform, next to a bare FastAPI "hello" in the same run.

    uv run python bench/load/load.py [--users 50] [--duration 300] [--config embedded distributed]
    make bench-load

Per configuration it starts the whole platform with the real supervisor (`scripts/dev.py`, the tiny engine):
`embedded` is the `make dev` default (SQLite, filesystem queue, local objects); `distributed` runs on the
machine's PostgreSQL (a fresh database), Redis (database 13, flushed) and a moto S3 server in its own process.
A bare FastAPI app (bench/load/hello.py) runs beside it under uvicorn with the same flags the services get.

Each simulated user signs in, then loops until the deadline with 0.5–1.5 s of think time between requests:
lists the gallery (a page of 24), opens two images, lists their tasks, calls "hello", and on every fourth round
submits a 256² generation and follows its Server-Sent Events until `completed`. Each user starts with 20
gallery images (handed over through gallery-service's internal ingest route, as image-service does).
A probe alternates the same gallery read through the gateway and straight to gallery-service, for the
gateway's added latency.

All users share one loopback address, so the gateway's per-address limits are raised for the run
(GATEWAY_RATE_LIMIT_IP / _AUTH_IP); the per-user limit and the quotas stay as shipped except the daily image
quota, which a 5-minute run at this rate would exhaust.

Prints a table per configuration (count, errors, p50/p95/p99 per route, budgets) and writes
bench/results/load-<config>.json. Budgets (issue 9, on this 2-core machine): 0 errors; reads p99 <= 250 ms;
submit p99 <= 400 ms; gateway's added p50 <= 5 ms. Not a test: `make test` does not run it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # tests.support: the real supervisor as a subprocess

from tests.support.databases import create_pg_database, drop_pg_database  # noqa: E402
from tests.support.servers import free_port  # noqa: E402
from tests.support.stack import PASSWORD, Stack  # noqa: E402

RESULTS = ROOT / "bench" / "results"
READS = ("gallery_list", "image_detail", "task_list")
BUDGET = {"read_p99_ms": 250.0, "submit_p99_ms": 400.0, "gateway_added_p50_ms": 5.0}
INTERNAL_TOKEN = "load-test-internal-token-" + "3" * 16
SEED_IMAGES = 20


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))]


class Recorder:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)

    async def call(
        self, route: str, client: httpx.AsyncClient, method: str, url: str, expect: int = 200, **kwargs: Any
    ) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = await client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.errors[route].append(f"{type(exc).__name__}: {exc}")
            return None
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != expect:
            self.errors[route].append(f"{response.status_code}: {response.text[:200]}")
            return None
        self.times[route].append(elapsed)
        return response

    def summary(self) -> dict[str, dict[str, Any]]:
        out = {}
        for route in sorted(set(self.times) | set(self.errors)):
            values = self.times[route]
            out[route] = {
                "count": len(values) + len(self.errors[route]),
                "errors": len(self.errors[route]),
                "p50_ms": percentile(values, 50),
                "p95_ms": percentile(values, 95),
                "p99_ms": percentile(values, 99),
                "first_errors": self.errors[route][:5],
            }
        return out


async def seed_gallery(client: httpx.AsyncClient, gallery_url: str, user_id: str) -> None:
    now = datetime.now(UTC).isoformat()
    images = [
        {
            "id": str(uuid.uuid4()),
            "owner_id": user_id,
            "task_id": str(uuid.uuid4()),
            "index": 0,
            "png_key": f"{user_id}/seed/{i}.png",
            "thumb_key": f"{user_id}/seed/{i}.webp",
            "width": 1080,
            "height": 1080,
            "generation_width": 1088,
            "generation_height": 1088,
            "preset": "instagram_square",
            "prompt": f"봄 시즌 캠페인 배너 #{i}, pastel colours, product on a wooden table",
            "seed": i,
            "steps": 8,
            "guidance_scale": 0.0,
            "engine": "tiny",
            "created_at": now,
        }
        for i in range(SEED_IMAGES)
    ]
    r = await client.put(
        f"{gallery_url}/internal/v1/images", json={"images": images}, headers={"X-Internal-Token": INTERNAL_TOKEN}
    )
    r.raise_for_status()


async def follow(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> str:
    """The task's SSE stream until a terminal event; returns its name."""
    event = ""
    async with client.stream("GET", url, headers=headers, timeout=httpx.Timeout(10, read=120)) as stream:
        async for line in stream.aiter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
                if event in ("completed", "failed", "canceled"):
                    return event
    return event or "closed"


async def team_member(
    n: int, stack: Stack, hello_url: str, rec: Recorder, deadline: float, client: httpx.AsyncClient
) -> None:
    rng = random.Random(n)

    async def think() -> None:
        await asyncio.sleep(rng.uniform(0.5, 1.5))

    email = f"load-{n}-{stack.base}@example.com"
    login = await rec.call(
        "login", client, "POST", f"{stack.api}/auth/login", json={"email": email, "password": PASSWORD}
    )
    if login is None:
        return
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    round_no = 0
    while time.monotonic() < deadline:
        round_no += 1
        page = await rec.call(
            "gallery_list", client, "GET", f"{stack.api}/gallery/images", params={"limit": 24}, headers=headers
        )
        await think()
        items = page.json()["items"] if page is not None else []
        for image in rng.sample(items, min(2, len(items))):
            await rec.call("image_detail", client, "GET", f"{stack.api}/gallery/images/{image['id']}", headers=headers)
            await think()
        await rec.call("task_list", client, "GET", f"{stack.api}/tasks", params={"limit": 20}, headers=headers)
        await think()
        await rec.call("hello", client, "GET", hello_url)
        await think()
        if round_no % 4 == n % 4 and time.monotonic() < deadline - 20:
            body = {"prompt": f"load test {n}.{round_no}", "width": 256, "height": 256, "seed": round_no}
            submitted = await rec.call(
                "submit", client, "POST", f"{stack.api}/generate", expect=202, json=body, headers=headers
            )
            if submitted is not None:
                started = time.perf_counter()
                try:
                    outcome = await follow(client, f"{stack.api}/tasks/{submitted.json()['id']}/events", headers)
                except httpx.HTTPError as exc:
                    rec.errors["sse_to_completed"].append(f"{type(exc).__name__}: {exc}")
                else:
                    if outcome == "completed":
                        rec.times["sse_to_completed"].append((time.perf_counter() - started) * 1000)
                    else:
                        rec.errors["sse_to_completed"].append(outcome)
            await think()


async def gateway_probe(stack: Stack, rec: Recorder, deadline: float, client: httpx.AsyncClient) -> None:
    """The same read through the gateway and straight to gallery-service, alternating, 5 per second."""
    # its own account: at 5 requests a second it would otherwise spend a team member's per-user rate limit
    email = f"load-probe-{stack.base}@example.com"
    body = {"email": email, "password": PASSWORD}
    await client.post(f"{stack.api}/auth/register", json={**body, "display_name": "Probe"})
    login = await client.post(f"{stack.api}/auth/login", json=body)
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    direct = f"http://127.0.0.1:{stack.base + 3}/api/v1/gallery/images"
    while time.monotonic() < deadline:
        for route, url in (("probe_via_gateway", f"{stack.api}/gallery/images"), ("probe_direct", direct)):
            await rec.call(route, client, "GET", url, params={"limit": 24}, headers=headers)
            await asyncio.sleep(0.1)


async def drive(stack: Stack, hello_url: str, users: int, duration: float) -> Recorder:
    rec = Recorder()
    limits = httpx.Limits(max_connections=users * 2 + 10, max_keepalive_connections=users * 2 + 10)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        gallery_url = f"http://127.0.0.1:{stack.base + 3}"
        for n in range(users):
            email = f"load-{n}-{stack.base}@example.com"
            r = await client.post(
                f"{stack.api}/auth/register", json={"email": email, "password": PASSWORD, "display_name": f"Load {n}"}
            )
            r.raise_for_status()
            await seed_gallery(client, gallery_url, r.json()["id"])
        # warm-up (JIT-free Python, but connection pools, SQLite pages and the engine's first run)
        await drive_for(stack, hello_url, Recorder(), min(users, 5), 15, client)
        await drive_for(stack, hello_url, rec, users, duration, client)
    return rec


async def drive_for(
    stack: Stack, hello_url: str, rec: Recorder, users: int, duration: float, client: httpx.AsyncClient
) -> None:
    deadline = time.monotonic() + duration
    await asyncio.gather(
        gateway_probe(stack, rec, deadline, client),
        *(team_member(n, stack, hello_url, rec, deadline, client) for n in range(users)),
    )


def start_hello(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "bench.load.hello:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--no-proxy-headers",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/hello"
    for _ in range(100):
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the hello app did not start")


def start_moto() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(url, timeout=1)
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("moto did not start")


def run_config(config: str, users: int, duration: float) -> dict[str, Any]:
    env = {
        "INTERNAL_TOKEN": INTERNAL_TOKEN,
        "GATEWAY_RATE_LIMIT_IP": "100000/minute",
        "GATEWAY_RATE_LIMIT_AUTH_IP": "10000/minute",
        "AUTH_LOGIN_IP_LIMIT": "10000/15 minutes",
        "IMAGE_DAILY_IMAGE_QUOTA": "100000",
    }
    workdir = Path(tempfile.mkdtemp(prefix=f"zimage-load-{config}-"))
    (workdir / "data").mkdir()
    with ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
        if config == "distributed":
            import redis

            redis_url = "redis://127.0.0.1:6379/13"
            redis.Redis.from_url(redis_url).flushdb()
            pg = create_pg_database()
            cleanup.callback(drop_pg_database, pg)
            moto, s3 = start_moto()
            cleanup.callback(moto.kill)
            env |= {
                "DATABASE_URL": pg,
                "REDIS_URL": redis_url,
                "S3_ENDPOINT_URL": s3,
                "S3_BUCKET": "zimage-load",
                "S3_ACCESS_KEY": "test",
                "S3_SECRET_KEY": "test-secret-key",
            }
        hello, hello_url = start_hello(workdir)
        cleanup.callback(hello.kill)
        stack = Stack(workdir / "data", env).start()
        cleanup.callback(stack.stop)
        started = time.time()
        rec = asyncio.run(drive(stack, hello_url, users, duration))
        load = os.getloadavg()
    routes = rec.summary()
    return {
        "config": config,
        "users": users,
        "duration_s": duration,
        "started": started,
        "load_average": load,
        "routes": routes,
        "verdict": verdict(routes),
    }


def verdict(routes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    def p(route: str, key: str) -> float:
        value = routes.get(route, {}).get(key)
        return float("inf") if value is None else float(value)

    read_p99 = max(p(r, "p99_ms") for r in READS)
    added = p("probe_via_gateway", "p50_ms") - p("probe_direct", "p50_ms")
    errors = sum(r["errors"] for r in routes.values())
    return {
        "errors": errors,
        "read_p99_ms": read_p99,
        "submit_p99_ms": p("submit", "p99_ms"),
        "gateway_added_p50_ms": round(added, 2),
        "hello_p99_ms": p("hello", "p99_ms"),
        "within_budget": errors == 0
        and read_p99 <= BUDGET["read_p99_ms"]
        and p("submit", "p99_ms") <= BUDGET["submit_p99_ms"]
        and added <= BUDGET["gateway_added_p50_ms"],
    }


def print_table(result: dict[str, Any]) -> None:
    print(f"\n{result['config']}: {result['users']} users, {result['duration_s']:.0f} s, load {result['load_average']}")
    print(f"{'route':<20}{'count':>8}{'errors':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
    for route, r in result["routes"].items():
        cells = [f"{r[k]:>10.1f}" if r[k] is not None else f"{'-':>10}" for k in ("p50_ms", "p95_ms", "p99_ms")]
        print(f"{route:<20}{r['count']:>8}{r['errors']:>8}{''.join(cells)}")
    v = result["verdict"]
    print(
        f"budgets: errors {v['errors']} (0); reads p99 {v['read_p99_ms']:.1f} ms (<= 250); submit p99 "
        f"{v['submit_p99_ms']:.1f} ms (<= 400); gateway added p50 {v['gateway_added_p50_ms']} ms (<= 5) -> "
        f"{'within budget' if v['within_budget'] else 'OVER BUDGET'}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=300)
    parser.add_argument("--config", nargs="+", choices=("embedded", "distributed"), default=["embedded", "distributed"])
    args = parser.parse_args()
    ok = True
    for config in args.config:
        result = run_config(config, args.users, args.duration)
        result["machine"] = {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        }
        result["when"] = datetime.now(UTC).isoformat(timespec="seconds")
        print_table(result)
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"load-{config}.json").write_text(json.dumps(result, indent=1) + "\n")
        ok &= result["verdict"]["within_budget"]
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
