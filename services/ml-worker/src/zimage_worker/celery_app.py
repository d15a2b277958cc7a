"""The Celery worker: `celery -A zimage_worker.celery_app worker -Q image_generation --concurrency 1`.

The engine is checked in the main process (so a production worker without weights refuses to start)
and loaded once per pool process, then warmed up before it takes a task. torch is imported only in
the pool processes: a parent that initialised torch's thread pools can deadlock its forked children.
"""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING, Any

import structlog
from celery import Task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import (
    task_postrun,
    task_prerun,
    worker_init,
    worker_process_init,
    worker_process_shutdown,
    worker_shutdown,
)
from zimage_common.observability import configure_logging
from zimage_common.queue import GENERATE_TASK, make_celery

from zimage_worker.config import Settings
from zimage_worker.heartbeat import StatusReporter
from zimage_worker.image_service import ImageServiceClient, ImageServiceUnavailable

if TYPE_CHECKING:
    from zimage_worker.engine import Engine
    from zimage_worker.runner import Runner

ENGINE_LOAD_TIMEOUT_S = 600.0
settings = Settings()
app = make_celery(
    "zimage-worker",
    settings.broker_url,
    settings.data_dir,
    soft_time_limit=settings.soft_time_limit,
    hard_time_limit=settings.hard_time_limit,
)
if settings.max_tasks_per_child:
    app.conf.worker_max_tasks_per_child = settings.max_tasks_per_child
# A pool process started to replace one that died (crash, OOM kill, max_tasks_per_child) reports UP only
# after worker_process_init has loaded and warmed up the engine; Celery SIGKILLs one that takes longer
# than this (default 4 s) and starts another, forever. Give the model time to load.
app.conf.worker_proc_alive_timeout = ENGINE_LOAD_TIMEOUT_S
log = structlog.get_logger("zimage.worker")
_runner: Runner | None = None
_status: StatusReporter | None = None
_node_name = socket.gethostname()  # the Celery node name once worker_init has run (inherited by the pool)


def build_engine() -> Engine:
    from zimage_worker.engine import select_engine

    # Before torch compiles anything: keep its caches on the data volume across restarts.
    cache = settings.resolved_compile_cache_dir
    os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", str(cache / "inductor"))
    os.environ.setdefault("TRITON_CACHE_DIR", str(cache / "triton"))
    # Before the first CUDA allocation: growable segments instead of fixed blocks, so a 24 GB card's
    # headroom is not lost to fragmentation (the 24 GiB measurements ran with it).
    os.environ.setdefault("PYTORCH_CUDA_ALLOC_CONF", "expandable_segments:True")

    return select_engine(
        settings.engine,
        settings.model_path or settings.resolved_model_path,
        production=settings.production,
        cache_dir=settings.tiny_cache_dir,
        device=settings.device,
    )


def _pool_name(worker: Any) -> str:
    pool = getattr(worker, "pool_cls", "") or ""
    name = pool if isinstance(pool, str) else getattr(pool, "__module__", "")
    return name.rsplit(".", 1)[-1].rsplit(":", 1)[0].lower()


@worker_init.connect
def _check_engine(sender: Any = None, **_: Any) -> None:
    from zimage_worker.weights import HOW_TO_GET_WEIGHTS, weights_present

    global _node_name
    configure_logging(json_logs=settings.json_logs, level=settings.log_level)
    _node_name = getattr(sender, "hostname", None) or _node_name
    missing = not weights_present(settings.model_path or settings.resolved_model_path)
    if missing and (settings.engine == "zimage-turbo" or (settings.engine == "auto" and settings.production)):
        raise SystemExit(f"ml-worker refuses to start: no Z-Image-Turbo weights. {HOW_TO_GET_WEIGHTS}")
    log.info("worker_starting", engine=settings.engine, broker=settings.broker_url.split("://")[0])
    # `--pool threads --concurrency 2`: one engine in this process, shared by two task threads. The
    # engine runs one generation at a time (its GPU lock), so one task's PNG encoding and upload overlap
    # the next task's generation, and each task still returns (and is acked) only after its own images
    # are stored. No child processes are forked, so loading torch here is safe. Celery enforces no time
    # limits in the threads pool: see bench/gpu/NOTES.md ("Overlap") before choosing it.
    if _pool_name(sender) in ("threads", "thread", "solo"):
        _load_engine()


@worker_process_init.connect
def _load_engine(**_: Any) -> None:
    global _runner
    from zimage_worker.runner import Publisher, Runner

    configure_logging(json_logs=settings.json_logs, level=settings.log_level)
    from zimage_worker.metrics import serve_metrics

    global _status
    _status = StatusReporter(
        settings.image_service_url,
        settings.internal_token,
        worker_id=_node_name,
        interval_seconds=settings.status_report_seconds,
        engine=settings.engine,
    ).start()  # "starting" while the model loads
    engine = build_engine()
    engine.load()
    engine.warmup()
    _status.engine_ready(engine.name, engine.model_id, str(engine.device))
    serve_metrics(engine, settings.metrics_port)
    client = ImageServiceClient(settings.image_service_url, settings.internal_token)
    _runner = Runner(
        engine,
        settings.object_store(),
        client,
        heartbeat_seconds=settings.heartbeat_seconds,
        fault_injection=settings.fault_injection,
        fault_step_delay=settings.fault_step_delay_seconds,
        publisher=Publisher() if settings.publish_in_background else None,
        publish_timeout=settings.soft_time_limit,
    )
    log.info(
        "engine_ready",
        engine=engine.name,
        model=engine.model_id,
        device=str(engine.device),
        pid=os.getpid(),
        ready_seconds=round(engine.ready_seconds or 0.0, 1),
        optimizations=engine.applied,
    )


@worker_process_shutdown.connect  # a pool process exiting: shutdown, or recycled after max_tasks_per_child
@worker_shutdown.connect  # the threads/solo pool: the engine lives in the main process
def _close(**_: Any) -> None:
    if _status is not None:
        _status.stop()
    if _runner is not None:
        _runner.close()  # publications in flight finish (images stored, `complete` sent) first


@task_prerun.connect
def _task_started(args: Any = None, **_: Any) -> None:
    if _status is not None:
        _status.task_started(args[0] if args else "")


@task_postrun.connect
def _task_finished(args: Any = None, **_: Any) -> None:
    if _status is not None:
        _status.task_finished(args[0] if args else "")


@app.task(name=GENERATE_TASK, bind=True, max_retries=None, acks_late=True, reject_on_worker_lost=True)
def generate(self: Task, task_id: str) -> str:
    if _runner is None:  # the pool process failed to load its engine
        raise RuntimeError("engine not loaded in this worker process")
    from zimage_worker.runner import RetryLater

    try:
        return _runner.run(task_id).status
    except RetryLater as exc:
        raise self.retry(countdown=exc.seconds, max_retries=200) from exc
    except ImageServiceUnavailable as exc:
        raise self.retry(countdown=5, max_retries=200) from exc
    except SoftTimeLimitExceeded:
        log.warning("soft_time_limit", task_id=task_id)
        return "timed_out"
