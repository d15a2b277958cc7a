"""The worker's status heartbeat to image-service (`POST /internal/v1/workers/heartbeat`), every ~10 s from
a daemon thread: engine, device, GPU memory and utilisation, idle or busy. It never stops the worker: a
report that fails is logged and the next one tries again."""

from __future__ import annotations

import importlib
import socket
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import structlog

log = structlog.get_logger("zimage.worker.heartbeat")


def gpu_snapshot(device: str) -> dict[str, Any]:
    """GPU name, memory (torch) and utilisation (pynvml, when installed) of a CUDA device; nulls otherwise."""
    empty: dict[str, Any] = {
        "gpu_name": None,
        "gpu_memory_used_bytes": None,
        "gpu_memory_total_bytes": None,
        "gpu_utilization": None,
    }
    if not device.startswith("cuda"):
        return empty
    import torch  # only here: the engine in this process has imported it already

    index = torch.device(device).index
    index = torch.cuda.current_device() if index is None else index
    free, total = torch.cuda.mem_get_info(index)
    snapshot = empty | {
        "gpu_name": torch.cuda.get_device_name(index),
        "gpu_memory_used_bytes": int(total - free),
        "gpu_memory_total_bytes": int(total),
    }
    try:
        nvml = importlib.import_module("pynvml")
        nvml.nvmlInit()
        handle = nvml.nvmlDeviceGetHandleByIndex(index)
        snapshot["gpu_utilization"] = nvml.nvmlDeviceGetUtilizationRates(handle).gpu / 100.0
    except Exception:  # not installed, or no NVML (containers without the driver's library): unknown
        snapshot["gpu_utilization"] = None
    return snapshot


def _uuid_or_none(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


class StatusReporter:
    def __init__(
        self,
        image_service_url: str,
        token: str,
        *,
        worker_id: str,
        interval_seconds: float = 10.0,
        engine: str | None = None,
        device: str = "cpu",
        timeout: float = 5.0,
    ) -> None:
        self.http = httpx.Client(
            base_url=image_service_url.rstrip("/") + "/internal/v1/workers",
            headers={"X-Internal-Token": token},
            timeout=timeout,
        )
        self.worker_id = worker_id
        self.hostname = socket.gethostname()
        self.interval = interval_seconds
        self.started_at = datetime.now(UTC)
        self._lock = threading.Lock()
        self._state = "starting"
        self._engine: str | None = engine
        self._model: str | None = None
        self._device = device
        self._running: list[str] = []  # task ids in progress (two at once in the threads pool)
        self._done = 0
        self._stop = threading.Event()
        self._wakeup = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="worker-heartbeat", daemon=True)

    # ---- what the worker tells it -------------------------------------------------------------------

    def engine_ready(self, engine: str, model: str | None, device: str) -> None:
        with self._lock:
            self._engine, self._model, self._device, self._state = engine, model, device, "idle"
        self.wake()

    def task_started(self, task_id: str) -> None:
        with self._lock:
            self._running.append(str(task_id))
        self.wake()

    def task_finished(self, task_id: str) -> None:
        with self._lock:
            if str(task_id) in self._running:
                self._running.remove(str(task_id))
            self._done += 1
        self.wake()

    # ---- reporting ----------------------------------------------------------------------------------

    def body(self) -> dict[str, Any]:
        with self._lock:
            body: dict[str, Any] = {
                "id": self.worker_id,
                "hostname": self.hostname,
                "engine": self._engine,
                "model": self._model,
                "device": self._device,
                "state": "busy" if self._running else self._state,
                "current_task_id": _uuid_or_none(self._running[0]) if self._running else None,
                "tasks_done": self._done,
                "interval_seconds": self.interval,
                "started_at": self.started_at.isoformat(),
            }
            device = self._device
        try:
            body |= gpu_snapshot(device)
        except Exception as exc:
            log.warning("gpu_snapshot_failed", error=str(exc))
            body |= gpu_snapshot("cpu")
        return body

    def report(self) -> bool:
        """One report; False (logged) when image-service did not take it."""
        try:
            response = self.http.post("/heartbeat", json=self.body())
            response.raise_for_status()
        except Exception as exc:
            log.warning("worker_heartbeat_failed", error=str(exc) or type(exc).__name__)
            return False
        return True

    def wake(self) -> None:
        """Report now instead of at the next interval (the admin page sees a change at once)."""
        self._wakeup.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.report()
            self._wakeup.wait(self.interval)
            self._wakeup.clear()

    def start(self) -> StatusReporter:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wakeup.set()
        self._thread.join(timeout=self.interval + 5)
        self.http.close()
