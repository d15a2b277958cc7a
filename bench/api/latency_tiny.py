"""Submit-to-completed latency with the tiny demo engine on the embedded stack.

    uv run python bench/api/latency_tiny.py [--tasks 20] [--sizes 256 1024]

Starts the whole platform as `make dev` does (the real supervisor: SQLite files, the filesystem
queue, the local object folder; ZIMAGE_ENGINE=tiny, nothing else overridden), signs up one user and
runs, per size, one warm-up task and then `--tasks` tasks one after another through the gateway: POST
/generate, then the task's SSE stream until its `completed` event. Prints a table of medians and
writes bench/results/tiny_latency.json.

Per task it records the client's wall time from the POST to the `completed` event, and from the
task itself: created → finished on the server, `queue_wait_seconds` (created → claimed by the
worker), `gpu_seconds` (the engine's denoising + decode; on this machine a CPU) and the rest of the
server time (claim overhead, PNG/WebP encoding, object writes, the completion report). Medians are
taken per column, so they need not add up exactly. Not a test: `make test` does not run it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # tests.support: the real supervisor as a subprocess

from tests.support.stack import Stack  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "tiny_latency.json"
COLUMNS = ("client_s", "server_s", "queue_wait_s", "engine_s", "rest_s")


def one_task(stack: Stack, client: httpx.Client, headers: dict[str, str], size: int, index: int) -> dict[str, Any]:
    started = time.perf_counter()
    r = client.post(
        f"{stack.api}/generate",
        headers=headers,
        json={"prompt": f"latency probe {size} #{index}", "width": size, "height": size, "seed": 1000 + index},
    )
    r.raise_for_status()
    task_id = r.json()["id"]
    done: dict[str, Any] | None = None
    with client.stream("GET", f"{stack.api}/tasks/{task_id}/events", headers=headers) as stream:
        event = ""
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event in ("completed", "failed", "canceled"):
                done = json.loads(line[5:])["task"]
                break
    client_s = time.perf_counter() - started
    if done is None or done["status"] != "completed":
        raise RuntimeError(f"task {task_id} did not complete: {done}")
    server_s = (_time(done["finished_at"]) - _time(done["created_at"])).total_seconds()
    queue_wait = float(done["queue_wait_seconds"] or 0.0)
    engine = float(done["gpu_seconds"] or 0.0)
    return {
        "task_id": task_id,
        "client_s": client_s,
        "server_s": server_s,
        "queue_wait_s": queue_wait,
        "engine_s": engine,
        "rest_s": server_s - queue_wait - engine,
        "engine": done["engine"],
    }


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def median_row(size: int, runs: list[dict[str, Any]]) -> dict[str, Any]:
    row: dict[str, Any] = {"size": f"{size}x{size}", "tasks": len(runs)}
    for column in COLUMNS:
        values = [r[column] for r in runs]
        row[f"{column}_median"] = round(statistics.median(values), 3)
    row["client_s_min"] = round(min(r["client_s"] for r in runs), 3)
    row["client_s_max"] = round(max(r["client_s"] for r in runs), 3)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=20, help="timed tasks per size (after one warm-up task)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 1024], help="square sizes in pixels")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="zimage-bench-latency-"))
    data_dir = workdir / "data"
    data_dir.mkdir()
    load_before = os.getloadavg()
    stack = Stack(data_dir, {"ZIMAGE_ENGINE": "tiny"})
    print("starting the embedded stack (real supervisor, tiny engine) ...", flush=True)
    stack.start()
    rows: list[dict[str, Any]] = []
    raw: dict[str, list[dict[str, Any]]] = {}
    try:
        with httpx.Client(timeout=httpx.Timeout(120.0)) as client:
            headers = stack.user(client)
            for size in args.sizes:
                one_task(stack, client, headers, size, -1)  # warm-up: first use of this size
                runs = [one_task(stack, client, headers, size, i) for i in range(args.tasks)]
                raw[str(size)] = runs
                rows.append(median_row(size, runs))
                print(f"  {size}x{size}: {args.tasks} tasks done", flush=True)
    finally:
        stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    header = ("size", "tasks", "submit→completed (client)", "server total", "queue wait", "engine", "rest")
    print()
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        cells = [row["size"], str(row["tasks"])] + [f"{row[f'{c}_median']:.3f} s" for c in COLUMNS]
        print("| " + " | ".join(cells) + " |")
    print("(medians per column; 'rest' = server total − queue wait − engine: claim, encode, store, report)")
    load_after = os.getloadavg()
    print(f"1-minute load average before/after: {load_before[0]:.2f} / {load_after[0]:.2f} on {os.cpu_count()} CPUs")

    report = {
        "benchmark": "tiny engine, submit → completed, sequential, embedded stack",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            # other work on the machine skews these numbers: 1-minute load average before and after
            "load_average_1m": [round(load_before[0], 2), round(load_after[0], 2)],
        },
        "stack": "scripts/dev.py: SQLite, filesystem queue, local objects, ZIMAGE_ENGINE=tiny",
        "engine": next((r["engine"] for runs in raw.values() for r in runs), None),
        "tasks_per_size": args.tasks,
        "warmup_tasks_per_size": 1,
        "results": rows,
        "runs": raw,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
