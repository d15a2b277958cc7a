#!/usr/bin/env python3
"""Scale-out: N Celery workers (one per GPU, prefork, concurrency 1: the shipped settings) fed by one
Redis broker, each running the real Runner (background publishing on) against a local object folder.

image-service is stood in for by Redis itself, with its claim semantics: a task is claimed by an atomic
SET NX (one owner per task, as the database's conditional UPDATE), runs are counted per task, and
`complete` records the time and the worker. So "no task run twice" is counted, not assumed, and the
script exits non-zero when a task ran or completed more than once.

Round 1 sends the queue to worker 0 alone (its own queue), round 2 to the shared queue all workers
consume; throughput is tasks / (first send -> last `complete`). Both rounds use the same, already warm
workers, built in parallel (each builds its own random-weight pipeline on its GPU at the same time).
`--no-compile` runs the engine eagerly (no Inductor at all: the transformer and the VAE GroupNorm stay
uncompiled), which starts in seconds instead of a minute or more per worker; the ratio of the two rounds'
throughputs is what target 7 asks. `--tiny` runs it on the CPU with the tiny engine (a harness check, not
a measurement; use a small `--size`, and `--device-imports` to refuse repo code the packages the GPU
machine lacks, as it would be there).

Progress lines carry the elapsed time and the clock, and the JSON (`gpu_scaleout_<tag>.json`) is rewritten
after every phase, so a run stopped by a time limit still shows where its time went.

    python3 bench/gpu/scaleout.py --redis-dir .carry/redis --gpus 2 --tasks 40 --no-compile --out $OUT
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
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(REPO / "libs/common/src"), str(REPO / "services/ml-worker/src"), str(HERE)]

SOLO_QUEUE = "scaleout_solo"
PORT = int(os.environ.get("SCALEOUT_REDIS_PORT", "6399"))
BROKER = f"redis://127.0.0.1:{PORT}/0"
STATE = f"redis://127.0.0.1:{PORT}/1"
T0 = time.time()


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} +{time.time() - T0:6.1f}s] {msg}", flush=True)


# Packages the repo's services import that the GPU machine's image does not have (KINDS.md lists what it
# has). `--device-imports` refuses them to repo code on the CPU too, so a check here fails where the GPU
# machine would (the first 2-GPU runs lost their time to `zimage_common.objects` importing fastapi).
DEVICE_MISSING = "fastapi,starlette,sqlalchemy,alembic,asyncpg,aiosqlite,pydantic,pydantic_settings,boto3,botocore"
DEVICE_MISSING += ",jwt,argon2,cryptography,opentelemetry,multipart,email_validator,openai"


def _refuse_device_missing() -> None:
    names = set(filter(None, os.environ.get("SCALEOUT_REFUSE_IMPORTS", "").split(",")))
    if not names:
        return
    import importlib.abc

    def from_repo() -> bool:
        frame = sys._getframe(2)
        while frame is not None and (
            "importlib" in frame.f_code.co_filename or frame.f_code.co_filename.startswith("<frozen")
        ):
            frame = frame.f_back
        filename = frame.f_code.co_filename if frame is not None else ""
        return filename.startswith(str(REPO)) and "site-packages" not in filename

    class Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
            if name.split(".")[0] in names and from_repo():
                raise ModuleNotFoundError(f"No module named {name!r} (not on the GPU machine)", name=name)

    sys.meta_path.insert(0, Refuse())


_refuse_device_missing()


from device_shims import shim_errors  # noqa: E402 - bench/gpu is the script's folder

shim_errors()
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
    """The pool process: build the random-weight model on its GPU, the engine with its shipped defaults
    (or eager with --no-compile), warm it up at the measured size, and report ready. Every stage is
    written to Redis with its time, so the parent can say where start-up time goes."""
    import redis

    name = os.environ.get("SCALEOUT_NAME", "w")
    r = redis.Redis.from_url(STATE)
    stages: dict[str, float] = {"pool_process_start": time.time()}

    def stage(label: str) -> None:
        stages[label] = time.time()
        r.hset("stage", name, json.dumps({"stage": label, "at": time.time(), "pid": os.getpid()}))

    # Celery logs an exception raised in here and keeps the pool process, which then never reports ready:
    # record it, so the parent stops at once and prints it. A pool process that dies in here is restarted
    # by billiard: starts are counted too.
    r.hincrby("pool_starts", name, 1)
    stage("pool_process_start")
    try:
        _build_runner(name, stage, stages, r)
    except BaseException:
        import traceback

        r.hset("load_error", name, traceback.format_exc()[-4000:])
        raise


def _build_runner(name: str, stage: Any, stages: dict[str, float], r: Any) -> None:
    global _runner
    import torch

    from bench import build_pipeline

    # The store first: where fastapi is missing (the GPU machine), bench.object_store puts a folder-store
    # shim in place of zimage_common.objects, which zimage_worker.runner imports.
    store = _store(Path(os.environ.get("SCALEOUT_STORE", str(TMP / "scaleout-store"))))
    from zimage_worker.engine import ZImageTurboEngine
    from zimage_worker.engine.base import GenerationRequest
    from zimage_worker.engine.optimize import EngineOptions
    from zimage_worker.runner import Publisher, Runner

    stage("imported")
    tiny = os.environ.get("SCALEOUT_TINY") == "1"
    device = torch.device("cpu" if tiny else "cuda")
    pipe = build_pipeline(tiny, device)
    if not tiny:
        torch.cuda.synchronize()
    stage("built")
    options = EngineOptions.for_device(device)
    size = int(os.environ.get("SCALEOUT_SIZE", "1024"))
    options = replace(options, warmup_sizes=((size, size, 1),))
    if os.environ.get("SCALEOUT_COMPILE", "1") == "0":
        options = replace(
            options, compile_transformer=False, vae_fast_groupnorm=False, vae_groupnorm_static=False, vae_compile=False
        )
    engine = ZImageTurboEngine(device=device, options=options, pipeline=pipe)
    engine.load()
    stage("loaded")
    engine.warmup()
    # One generation at the measured size whatever the mode, so neither round's first task pays for
    # lazy initialisation (cuBLAS/cuDNN handles, the VAE at full size).
    engine.generate(GenerationRequest(prompt="warmup at size", width=size, height=size, seed=1, steps=2))
    if engine.prompt_encoder is not None:
        engine.prompt_encoder.clear()
    stage("warm")
    worker = f"{name}:{os.getpid()}"
    client = RedisImageService(STATE, worker)
    _runner = Runner(engine, store, client, heartbeat_seconds=2.0, publisher=Publisher())
    first = stages["pool_process_start"]
    info = {
        "ready_s": engine.ready_seconds,
        "applied": engine.applied,
        "compile_transformer": options.compile_transformer,
        "stages_s": {k: round(v - first, 2) for k, v in stages.items()},
        "device": torch.cuda.get_device_name() if not tiny else "cpu",
    }
    r.hset("ready", name, json.dumps(info, default=str))
    stage("ready")


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
    proc = subprocess.Popen(
        cmd,
        env=env,
        stdout=open(workdir / "redis.log", "wb"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("redis-server did not start: " + (workdir / "redis.log").read_text()[-2000:])


def _tail(path: Path, n: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--redis-dir", type=Path, default=REPO / ".carry/redis")
    ap.add_argument("--gpus", type=int, default=2)
    ap.add_argument("--tasks", type=int, default=40)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--out", type=Path, default=Path(os.environ.get("OUT", "bench/results")))
    ap.add_argument("--tag", default=None, help="JSON is gpu_scaleout_<tag>.json (default: eager or compiled)")
    ap.add_argument("--tiny", action="store_true")
    ap.add_argument("--no-compile", action="store_true", help="eager engine: no Inductor compilation at all")
    ap.add_argument("--ready-timeout", type=float, default=400)
    ap.add_argument("--round-timeout", type=float, default=300)
    ap.add_argument("--device-imports", action="store_true", help="refuse repo code the packages the GPU machine lacks")
    args = ap.parse_args()
    if args.device_imports:
        os.environ["SCALEOUT_REFUSE_IMPORTS"] = DEVICE_MISSING  # the workers install it on import
    tag = args.tag or ("eager" if args.no_compile else "compiled")
    args.out.mkdir(parents=True, exist_ok=True)
    work = TMP / f"scaleout-{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"date": time.strftime("%Y-%m-%dT%H:%M:%S"), "gpus": args.gpus, "tasks": args.tasks}
    result |= {"size": args.size, "steps": 2 if args.tiny else 8, "compile": not args.no_compile, "tiny": args.tiny}
    result["phases_s"] = {}
    json_path = args.out / f"gpu_scaleout_{tag}.json"

    def save(phase: str | None = None) -> None:
        if phase:
            result["phases_s"][phase] = round(time.time() - T0, 1)
        json_path.write_text(json.dumps(result, indent=1, default=str))

    # An outer `timeout` sends SIGTERM (to its whole process group, and `uv run` forwards one more): leave
    # through `finally` once, which stops the workers and writes the JSON and their logs; ignore repeats.
    def on_term(*_: Any) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        sys.exit("scale-out stopped by a signal")

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    redis_proc = start_redis(args.redis_dir, work)
    log(f"redis-server up on port {PORT}; tag {tag}, compile {'off' if args.no_compile else 'on'}")
    import redis

    state = redis.Redis.from_url(STATE)
    state.flushall()
    workers: list[subprocess.Popen[bytes]] = []
    rc = 1
    try:
        save("redis")
        for i in range(args.gpus):
            queues = f"{QUEUE},{SOLO_QUEUE}" if i == 0 else QUEUE
            env = dict(
                os.environ,
                CUDA_VISIBLE_DEVICES=str(i),
                SCALEOUT_NAME=f"gpu{i}",
                SCALEOUT_TINY="1" if args.tiny else "0",
                SCALEOUT_SIZE=str(args.size),
                SCALEOUT_COMPILE="0" if args.no_compile else "1",
                SCALEOUT_STORE=str(work / "store"),
                PYTHONUNBUFFERED="1",
                PYTHONPATH=os.pathsep.join(
                    [str(HERE), str(REPO / "services/ml-worker/src"), str(REPO / "libs/common/src")]
                )
                + os.pathsep
                + os.environ.get("PYTHONPATH", ""),
            )
            if args.tiny:
                env["OMP_NUM_THREADS"] = "1"  # two CPU workers on a small machine
            cmd = [sys.executable, "-m", "celery", "-A", "scaleout", "worker", "--pool", "prefork"]
            cmd += ["--concurrency", "1", "-Q", queues, "-n", f"gpu{i}@%h", "--loglevel", "WARNING"]
            cmd += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
            logf = open(work / f"worker{i}.log", "wb")  # noqa: SIM115
            # Own session: a `timeout` signalling its process group reaches the parent, which shuts them down.
            workers.append(
                subprocess.Popen(cmd, env=env, cwd=HERE, stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
            )
        log(f"{args.gpus} workers started (building their pipelines in parallel)")
        deadline = time.time() + args.ready_timeout
        last: dict[str, str] = {}
        next_note = time.time() + 15
        while state.hlen("ready") < args.gpus:
            stages = {k.decode(): json.loads(v)["stage"] for k, v in state.hgetall("stage").items()}
            for k, v in sorted(stages.items()):
                if last.get(k) != v:
                    log(f"{k}: {v}")
            last = stages
            errors = {k.decode(): v.decode() for k, v in state.hgetall("load_error").items()}
            if errors:
                raise RuntimeError(f"a worker failed to start: {errors}")
            starts = {k.decode(): int(v) for k, v in state.hgetall("pool_starts").items()}
            if any(n > 1 for n in starts.values()):
                raise RuntimeError(f"a pool process restarted during start-up {starts}: {_tail(work / 'worker0.log')}")
            dead = [i for i, w in enumerate(workers) if w.poll() is not None]
            if dead or time.time() > deadline:
                i = dead[0] if dead else 0
                raise RuntimeError(f"workers not ready (dead: {dead}): {_tail(work / f'worker{i}.log')}")
            if time.time() > next_note:
                log(f"waiting for workers: {stages}")
                next_note = time.time() + 15
            time.sleep(0.5)
        result["ready_after_s"] = round(time.time() - T0, 1)
        result["workers_ready"] = {k.decode(): json.loads(v) for k, v in state.hgetall("ready").items()}
        result["device"] = sorted({w["device"] for w in result["workers_ready"].values()})
        for k, v in sorted(result["workers_ready"].items()):
            log(f"{k} ready: {v['stages_s']} on {v['device']}")
        save("ready")

        def round_(label: str, queue: str) -> dict[str, Any]:
            ids = [str(uuid.uuid4()) for _ in range(args.tasks)]
            for n, tid in enumerate(ids):
                spec = {"prompt": f"{label} scale-out task {n}: a red fox in snow", "width": args.size}
                spec |= {"height": args.size, "seed": n, "steps": result["steps"]}
                state.hset("tasks", tid, json.dumps(spec))
            state.delete("gpu_seconds")
            log(f"round {label}: sending {len(ids)} tasks to {queue}")
            start = time.time()
            for tid in ids:
                app.send_task(GENERATE_TASK, args=[tid], queue=queue)
            next_note = time.time() + 10
            while True:
                done = [state.hget("completed_at", tid) for tid in ids]
                if all(done):
                    break
                if time.time() > next_note:
                    log(f"round {label}: {sum(map(bool, done))}/{len(ids)} completed")
                    next_note = time.time() + 10
                if time.time() - start > args.round_timeout:
                    n_done = sum(map(bool, done))
                    raise RuntimeError(f"{label}: {n_done}/{len(ids)} completed after {args.round_timeout} s")
                if state.hlen("failed"):
                    raise RuntimeError(f"{label}: tasks failed: {state.hgetall('failed')}")
                time.sleep(0.05)
            end = max(float(d) for d in done if d)
            wall = end - start
            time.sleep(1.0)  # a duplicate run would still be counted now
            runs = [int(state.hget("runs", tid) or 0) for tid in ids]
            completions = [int(state.hget("completions", tid) or 0) for tid in ids]
            deliveries = [int(state.hget("deliveries", tid) or 0) for tid in ids]
            by = [(state.hget("completed_by", tid) or b"").decode().split(":")[0] for tid in ids]
            gpu = {k.decode().split(":")[0]: round(float(v), 3) for k, v in state.hgetall("gpu_seconds").items()}
            out = {
                "queue": queue,
                "tasks": len(ids),
                "wall_s": round(wall, 3),
                "images_per_min": round(60 * len(ids) / wall, 2),
                "completed": sum(1 for c in completions if c >= 1),
                "tasks_run_more_than_once": sum(1 for r in runs if r > 1),
                "tasks_completed_more_than_once": sum(1 for c in completions if c > 1),
                "tasks_never_run": sum(1 for r in runs if r == 0),
                "deliveries": sum(deliveries),
                "failed": state.hlen("failed"),
                "per_worker": {w: by.count(w) for w in sorted(set(by))},
                "engine_seconds_per_worker": gpu,
                "engine_seconds_per_image": round(sum(gpu.values()) / len(ids), 4) if gpu else None,
            }
            busiest = max(gpu.values()) if gpu else 0.0
            out["gpu_idle_share_busiest_worker"] = round(1 - busiest / wall, 4) if wall else None
            log(f"round {label}: {out}")
            return out

        result["one_worker"] = round_("one", SOLO_QUEUE)
        save("one_worker")
        result["all_workers"] = round_("all", QUEUE)
        result["speedup"] = round(result["all_workers"]["images_per_min"] / result["one_worker"]["images_per_min"], 3)
        rounds = (result["one_worker"], result["all_workers"])
        result["no_task_run_twice"] = all(
            r["tasks_run_more_than_once"] == 0
            and r["tasks_completed_more_than_once"] == 0
            and r["completed"] == r["tasks"]
            for r in rounds
        )
        result["target_7_met"] = result["no_task_run_twice"] and result["speedup"] >= 1.8
        save("all_workers")
        log(f"speedup {result['speedup']}x, no task run twice: {result['no_task_run_twice']}")
        assert result["no_task_run_twice"], "a task ran or completed more than once, or not at all"
        rc = 0
    except BaseException as exc:
        result["error"] = repr(exc)[:4000]
        log(f"error: {exc!r}"[:4000])
    finally:
        for w in workers:
            if w.poll() is None:
                w.send_signal(signal.SIGTERM)
        grace = 30 if rc == 0 else 10
        for w in workers:
            try:
                w.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                w.kill()
                w.wait()
        result["worker_exit_codes"] = [w.returncode for w in workers]
        result["total_s"] = round(time.time() - T0, 1)
        redis_proc.terminate()
        save("stopped")
        for i in range(len(workers)):
            (args.out / f"scaleout_{tag}_worker{i}.log").write_text(_tail(work / f"worker{i}.log", 6000))
        log(json.dumps({k: v for k, v in result.items() if k != "workers_ready"}, default=str))
    return rc


if __name__ == "__main__":
    sys.exit(main())
