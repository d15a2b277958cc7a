#!/usr/bin/env python3
"""Scale-out: N Celery workers (one per GPU, prefork, concurrency 1: the shipped settings) fed by one
Redis broker, each running the real Runner (background publishing on) against a local object folder.

image-service is stood in for by Redis itself, with its claim semantics: a task is claimed by an atomic
SET NX (one owner per task, as the database's conditional UPDATE), runs are counted per task, and
`complete` records the time and the worker. So "no task run twice" is counted, not assumed.

Round 1 sends the queue to worker 0 alone (its own queue), round 2 to the shared queue all workers
consume; throughput is tasks / (first send -> last `complete`). Both rounds use the same, already warm
workers. `--tiny` runs it on the CPU with the tiny engine (a harness check, not a measurement).

    python3 bench/gpu/scaleout.py --redis-dir .carry/redis --gpus 2 --tasks 40 --out $OUT
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import types
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(REPO / "libs/common/src"), str(REPO / "services/ml-worker/src"), str(HERE)]

SOLO_QUEUE = "scaleout_solo"
PORT = int(os.environ.get("SCALEOUT_REDIS_PORT", "6399"))
BROKER = f"redis://127.0.0.1:{PORT}/0"
STATE = f"redis://127.0.0.1:{PORT}/1"


def _shim_errors() -> None:
    """zimage_common.queue imports zimage_common.errors (FastAPI, SQLAlchemy), which the GPU machine
    lacks; the queue module needs only its ServiceUnavailable."""
    try:
        import zimage_common.errors  # noqa: F401
    except ImportError:
        shim = types.ModuleType("zimage_common.errors")

        class ServiceUnavailable(Exception):
            pass

        shim.ServiceUnavailable = ServiceUnavailable  # type: ignore[attr-defined]
        sys.modules["zimage_common.errors"] = shim


_shim_errors()
from celery import Celery  # noqa: E402
from celery.signals import worker_process_init, worker_process_shutdown  # noqa: E402
from zimage_common.queue import GENERATE_TASK, QUEUE, celery_config  # noqa: E402

app = Celery("zimage-scaleout")
TMP = Path(tempfile.gettempdir())
app.conf.update(celery_config(BROKER, TMP, soft_time_limit=300, hard_time_limit=360))
app.conf.worker_proc_alive_timeout = 900.0
app.conf.worker_send_task_events = False
app.conf.task_send_sent_event = False
_runner: Any = None


class RedisImageService:
    """image-service's worker routes, on Redis: atomic claim, heartbeat, complete (records every run)."""

    def __init__(self, url: str, worker: str) -> None:
        import redis

        self.r = redis.Redis.from_url(url)
        self.worker = worker

    def claim(self, task_id: str, worker: str) -> Any:
        from zimage_worker.image_service import ClaimedTask, ClaimRefused

        self.r.hincrby("deliveries", task_id, 1)
        if not self.r.set(f"claim:{task_id}", self.worker, nx=True):
            return ClaimRefused("task is already claimed", None)
        self.r.hincrby("runs", task_id, 1)
        spec = json.loads(self.r.hget("tasks", task_id) or b"{}")
        return ClaimedTask(
            task_id=uuid.UUID(task_id),
            user_id=uuid.UUID(int=7),
            attempt=1,
            prompt=spec["prompt"],
            negative_prompt=None,
            width=spec["width"],
            height=spec["height"],
            generation_width=spec["width"],
            generation_height=spec["height"],
            num_images=1,
            seed=spec["seed"],
            steps=spec["steps"],
            guidance_scale=0.0,
            lease_seconds=20.0,
        )

    def heartbeat(self, task: Any, step: int | None = None, total: int | None = None) -> bool:
        return False

    def complete(self, task: Any, **report: Any) -> None:
        tid = str(task.task_id)
        self.r.hset("completed_at", tid, repr(time.time()))
        self.r.hset("completed_by", tid, self.worker)
        self.r.hincrby("completions", tid, 1)
        self.r.hincrbyfloat("gpu_seconds", self.worker, float(report.get("gpu_seconds", 0.0)))

    def fail(self, task: Any, error: str, **_: Any) -> None:
        self.r.hset("failed", str(task.task_id), error[:500])

    def canceled(self, task: Any) -> None:
        pass

    def close(self) -> None:
        self.r.close()


@worker_process_init.connect
def _load(**_: Any) -> None:
    """The pool process: build the random-weight model on its GPU, the engine with its shipped defaults,
    warm it up, and report ready."""
    global _runner
    import torch
    from zimage_worker.engine import ZImageTurboEngine
    from zimage_worker.engine.optimize import EngineOptions
    from zimage_worker.runner import Publisher, Runner

    from bench import build_pipeline

    tiny = os.environ.get("SCALEOUT_TINY") == "1"
    device = torch.device("cpu" if tiny else "cuda")
    pipe = build_pipeline(tiny, device)
    options = EngineOptions.for_device(device)
    size = int(os.environ.get("SCALEOUT_SIZE", "1024"))
    options = options.__class__(**{**options.__dict__, "warmup_sizes": ((size, size, 1),)})
    engine = ZImageTurboEngine(device=device, options=options, pipeline=pipe)
    engine.load()
    engine.warmup()
    name = f"{os.environ.get('SCALEOUT_NAME', 'w')}:{os.getpid()}"
    client = RedisImageService(STATE, name)
    store = _store(Path(os.environ.get("SCALEOUT_STORE", str(TMP / "scaleout-store"))))
    _runner = Runner(engine, store, client, heartbeat_seconds=2.0, publisher=Publisher())
    client.r.hset("ready", name, json.dumps({"ready_s": engine.ready_seconds, "applied": engine.applied}, default=str))


@worker_process_shutdown.connect
def _close(**_: Any) -> None:
    if _runner is not None:
        _runner.close()


def _store(root: Path) -> Any:
    from bench import object_store

    return object_store(root)[0]


@app.task(name=GENERATE_TASK, bind=True, acks_late=True, reject_on_worker_lost=True)
def generate(self: Any, task_id: str) -> str:
    return str(_runner.run(task_id).status)


# ------------------------------------------------------------------------------------------------
# The orchestrating parent


def start_redis(redis_dir: Path, workdir: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, LD_LIBRARY_PATH=str(redis_dir / "lib"))
    cmd = [str(redis_dir / "bin/redis-server"), "--port", str(PORT), "--bind", "127.0.0.1", "--save", ""]
    cmd += ["--appendonly", "no", "--dir", str(workdir)]
    proc = subprocess.Popen(cmd, env=env, stdout=open(workdir / "redis.log", "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("redis-server did not start: " + (workdir / "redis.log").read_text()[-2000:])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--redis-dir", type=Path, default=REPO / ".carry/redis")
    ap.add_argument("--gpus", type=int, default=2)
    ap.add_argument("--tasks", type=int, default=40)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--out", type=Path, default=Path(os.environ.get("OUT", "bench/results")))
    ap.add_argument("--tiny", action="store_true")
    ap.add_argument("--ready-timeout", type=float, default=400)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    work = TMP / f"scaleout-{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    result: dict[str, Any] = {"date": time.strftime("%Y-%m-%dT%H:%M:%S"), "gpus": args.gpus, "tasks": args.tasks}
    result["size"] = args.size
    # An outer `timeout` sends SIGTERM: leave through `finally`, which writes the JSON and the workers' logs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("scale-out stopped by SIGTERM"))
    redis_proc = start_redis(args.redis_dir, work)
    import redis

    state = redis.Redis.from_url(STATE)
    state.flushall()
    workers: list[subprocess.Popen[bytes]] = []
    try:
        if not args.tiny:
            import torch

            result["device"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        for i in range(args.gpus):
            queues = f"{QUEUE},{SOLO_QUEUE}" if i == 0 else QUEUE
            env = dict(
                os.environ,
                CUDA_VISIBLE_DEVICES=str(i),
                SCALEOUT_NAME=f"gpu{i}",
                SCALEOUT_TINY="1" if args.tiny else "0",
                SCALEOUT_SIZE=str(args.size),
                SCALEOUT_STORE=str(work / "store"),
                PYTHONPATH=os.pathsep.join(
                    [str(HERE), str(REPO / "services/ml-worker/src"), str(REPO / "libs/common/src")]
                )
                + os.pathsep
                + os.environ.get("PYTHONPATH", ""),
            )
            cmd = [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "scaleout",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                "1",
            ]
            cmd += ["-Q", queues, "-n", f"gpu{i}@%h", "--loglevel", "WARNING", "--without-gossip", "--without-mingle"]
            log = open(work / f"worker{i}.log", "wb")  # noqa: SIM115
            workers.append(subprocess.Popen(cmd, env=env, cwd=HERE, stdout=log, stderr=subprocess.STDOUT))
        deadline = time.time() + args.ready_timeout
        while state.hlen("ready") < args.gpus:
            if time.time() > deadline or any(w.poll() is not None for w in workers):
                raise RuntimeError("workers not ready: " + (work / "worker0.log").read_text()[-3000:])
            if int(time.time() - t0) % 30 == 0:
                print(f"waiting for workers, {time.time() - t0:.0f} s, ready: {state.hlen('ready')}", flush=True)
            time.sleep(1.0)
        result["ready_after_s"] = round(time.time() - t0, 1)
        result["workers_ready"] = {k.decode(): json.loads(v) for k, v in state.hgetall("ready").items()}
        print("ready", result["ready_after_s"], flush=True)

        def round_(label: str, queue: str) -> dict[str, Any]:
            ids = [str(uuid.uuid4()) for _ in range(args.tasks)]
            for n, tid in enumerate(ids):
                spec = {"prompt": f"{label} scale-out task {n}: a red fox in snow", "width": args.size}
                spec |= {"height": args.size, "seed": n, "steps": 8 if not args.tiny else 2}
                state.hset("tasks", tid, json.dumps(spec))
            state.delete("gpu_seconds")
            start = time.time()
            for tid in ids:
                app.send_task(GENERATE_TASK, args=[tid], queue=queue)
            while True:
                done = [state.hget("completed_at", tid) for tid in ids]
                if all(done):
                    break
                if time.time() - start > 300:
                    raise RuntimeError(f"{label}: {sum(map(bool, done))}/{len(ids)} completed after 300 s")
                time.sleep(0.05)
            end = max(float(d) for d in done if d)
            wall = end - start
            runs = [int(state.hget("runs", tid) or 0) for tid in ids]
            completions = [int(state.hget("completions", tid) or 0) for tid in ids]
            by = [(state.hget("completed_by", tid) or b"").decode().split(":")[0] for tid in ids]
            gpu = {k.decode(): round(float(v), 3) for k, v in state.hgetall("gpu_seconds").items()}
            out = {
                "tasks": len(ids),
                "wall_s": round(wall, 3),
                "images_per_min": round(60 * len(ids) / wall, 2),
                "completed": sum(1 for c in completions if c >= 1),
                "tasks_run_more_than_once": sum(1 for r in runs if r > 1),
                "tasks_completed_more_than_once": sum(1 for c in completions if c > 1),
                "failed": state.hlen("failed"),
                "per_worker": {w: by.count(w) for w in sorted(set(by))},
                "engine_seconds_per_worker": gpu,
            }
            busiest = max(gpu.values()) if gpu else 0.0
            out["gpu_idle_share_busiest_worker"] = round(1 - busiest / wall, 4) if wall else None
            print(label, out, flush=True)
            return out

        result["one_worker"] = round_("one", SOLO_QUEUE)
        result["all_workers"] = round_("all", QUEUE)
        result["speedup"] = round(result["all_workers"]["images_per_min"] / result["one_worker"]["images_per_min"], 3)
        result["deliveries"] = sum(int(v) for v in state.hvals("deliveries"))
    except BaseException as exc:
        result["error"] = repr(exc)
        raise
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            try:
                w.wait(timeout=60)
            except subprocess.TimeoutExpired:
                w.kill()
        result["worker_exit_codes"] = [w.returncode for w in workers]
        result["total_s"] = round(time.time() - t0, 1)
        redis_proc.terminate()
        (args.out / "gpu_scaleout.json").write_text(json.dumps(result, indent=1, default=str))
        for i in range(len(workers)):
            tail = (work / f"worker{i}.log").read_text(errors="replace")[-4000:]
            (args.out / f"scaleout_worker{i}.log").write_text(tail)
        print(json.dumps({k: v for k, v in result.items() if k != "workers_ready"}, default=str), flush=True)


if __name__ == "__main__":
    main()
