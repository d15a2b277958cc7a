from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

WorkerState = Literal["starting", "idle", "busy"]


class WorkerReport(BaseModel):
    """A worker's status heartbeat (internal)."""

    id: str = Field(min_length=1, max_length=200)
    hostname: str = Field(min_length=1, max_length=255)
    engine: str | None = Field(None, max_length=32)
    model: str | None = Field(None, max_length=200)
    device: str = Field(max_length=32)
    gpu_name: str | None = Field(None, max_length=200)
    gpu_memory_used_bytes: int | None = Field(None, ge=0)
    gpu_memory_total_bytes: int | None = Field(None, ge=0)
    gpu_utilization: float | None = Field(None, ge=0, le=1)
    state: WorkerState
    current_task_id: uuid.UUID | None = None
    tasks_done: int = Field(0, ge=0)
    interval_seconds: float = Field(10.0, gt=0, le=3600)
    started_at: datetime


class WorkerOut(BaseModel):
    id: str
    hostname: str
    engine: str | None
    model: str | None
    device: str
    gpu_name: str | None
    gpu_memory_used_bytes: int | None
    gpu_memory_total_bytes: int | None
    gpu_utilization: float | None = Field(description="0..1; null where the worker cannot read it")
    state: WorkerState
    current_task_id: uuid.UUID | None
    tasks_done: int
    started_at: datetime
    last_seen_at: datetime
    online: bool = Field(description="Reported within the last three heartbeat intervals")
