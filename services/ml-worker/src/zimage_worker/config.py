from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from zimage_common.settings import ServiceSettings

EngineName = Literal["auto", "zimage-turbo", "tiny"]  # kept here so the config never imports torch


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="WORKER_")
    service_name: ClassVar[str] = "ml-worker"

    engine: EngineName = Field("auto", validation_alias="ZIMAGE_ENGINE")
    # A folder holding Z-Image-Turbo in diffusers layout; unset means {DATA_DIR}/models/Z-Image-Turbo.
    model_path: Path | None = Field(None, validation_alias="MODEL_PATH")
    # "cuda", "cuda:1", "cpu"; unset means CUDA when there is one.
    device: str | None = Field(None, validation_alias="ZIMAGE_DEVICE")

    @property
    def resolved_model_path(self) -> Path:
        return self.model_path or self.data_dir / "models" / "Z-Image-Turbo"

    @property
    def tiny_cache_dir(self) -> Path:
        return self.tiny_cache_override or self.data_dir / "models" / "tiny-zimage"

    heartbeat_seconds: float = Field(2.0, gt=0, description="Lease renewal period; image-service's lease is longer")
    # Prometheus /metrics of the process holding the engine (stage times, images, GPU memory); unset: off.
    metrics_port: int | None = Field(None, ge=1, le=65535)
    # torch.compile's caches (Inductor, Triton) live here, so a restarted worker reuses its compiled code
    # (measured: ready in 25 s instead of 53 s). Unset: {DATA_DIR}/cache/torch-compile.
    compile_cache_dir: Path | None = None

    @property
    def resolved_compile_cache_dir(self) -> Path:
        return self.compile_cache_dir or self.data_dir / "cache" / "torch-compile"

    soft_time_limit: int = Field(300, ge=10, description="Seconds before a task is asked to stop")
    hard_time_limit: int = Field(360, ge=20, description="Seconds before the process running a task is killed")
    max_tasks_per_child: int = Field(0, ge=0, description="Recycle a pool process after this many tasks (0: never)")
    # How often the worker reports its engine, device, GPU memory and state to image-service (admin page);
    # it counts as offline after three missed reports.
    status_report_seconds: float = Field(10.0, gt=0, le=300)
    # Encode, upload and report each finished task on a background thread of the pool process, so the
    # task returns and the next one's GPU work starts at once (bench/gpu/NOTES.md: GPU idle 18.6 % -> ~1 %
    # between tasks). The lease heartbeat runs until `complete` is sent; a process that dies first leaves
    # the task to image-service's lease and sweeper. The pool process finishes its publications before
    # it exits. Bounded by WORKER_SOFT_TIME_LIMIT.
    publish_in_background: bool = True
    # Test-only switches for the reliability suite; production refuses them.
    fault_injection: bool = False
    fault_step_delay_seconds: float = Field(0.0, ge=0)

    def insecure_reasons(self) -> list[str]:
        reasons = super().insecure_reasons()
        if self.fault_injection:
            reasons.append("WORKER_FAULT_INJECTION is on")
        return reasons

    # Where the tiny demo pipeline is cached after its first build (shared by tests to save time).
    tiny_cache_override: Path | None = Field(None, validation_alias="ZIMAGE_TINY_CACHE_DIR")
