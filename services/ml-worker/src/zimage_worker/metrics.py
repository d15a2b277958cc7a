"""The worker's Prometheus metrics: per-stage generation times, images generated, GPU memory.

Exported on `WORKER_METRICS_PORT` (unset: not exported) by the process that holds the engine (the pool
process with prefork, the worker itself with the threads pool). Each generation reports its stages
through `Engine.on_timings`; GPU memory and utilisation are read at scrape time.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, start_http_server

if TYPE_CHECKING:
    from zimage_worker.engine import Engine

log = logging.getLogger(__name__)

STAGES = ("text_encode", "denoise", "vae_decode", "to_image", "total")
# Seconds: a cached prompt encodes in microseconds, a batch of 4 at 2048² takes tens of seconds.
BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.5, 5.0, 10.0, 30.0, 60.0)


class WorkerMetrics:
    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.stage_seconds = Histogram(
            "zimage_worker_stage_seconds",
            "GPU time per generation stage (CUDA events; wall clock on a CPU)",
            ["stage"],
            buckets=BUCKETS,
            registry=registry,
        )
        self.images = Counter("zimage_worker_images_generated_total", "Images generated", registry=registry)
        self.generations = Counter("zimage_worker_generations_total", "Generation runs", registry=registry)
        self.gpu_memory = Gauge(
            "zimage_worker_gpu_memory_bytes", "GPU memory held by this process", ["kind"], registry=registry
        )
        self.gpu_utilization = Gauge(
            "zimage_worker_gpu_utilization_ratio", "GPU utilisation (NVML), 0-1", registry=registry
        )
        self.gpu_memory.labels("allocated").set_function(lambda: _cuda_memory("allocated"))
        self.gpu_memory.labels("reserved").set_function(lambda: _cuda_memory("reserved"))
        self.gpu_utilization.set_function(_cuda_utilization)

    def observe(self, timings: dict[str, float]) -> None:
        for stage in STAGES:
            if stage in timings:
                self.stage_seconds.labels(stage).observe(timings[stage])
        self.generations.inc()
        self.images.inc(timings.get("images", 0.0))

    def attach(self, engine: Engine) -> None:
        engine.on_timings = self.observe


def _cuda_memory(kind: str) -> float:
    import torch

    if not torch.cuda.is_available() or not torch.cuda.is_initialized():
        return 0.0
    return float(torch.cuda.memory_allocated() if kind == "allocated" else torch.cuda.memory_reserved())


def _cuda_utilization() -> float:
    import torch

    if not torch.cuda.is_available() or not torch.cuda.is_initialized():
        return 0.0
    try:
        return float(torch.cuda.utilization()) / 100.0
    except Exception:  # no NVML (pynvml) in this image: report nothing rather than fail a scrape
        return float("nan")


_metrics: WorkerMetrics | None = None


def serve_metrics(engine: Engine, port: int | None) -> WorkerMetrics:
    """Observe `engine`'s generations; with a port, serve /metrics on it (once per process)."""
    global _metrics
    if _metrics is None:
        _metrics = WorkerMetrics()
        if port:
            start_http_server(port)
            log.info("worker metrics on port %d", port)
    _metrics.attach(engine)
    return _metrics
