from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from zimage_image.workers.schemas import WorkerOut


class ServiceStatus(BaseModel):
    name: str
    status: Literal["ok", "unavailable"]
    version: str | None
    latency_ms: float | None = Field(description="Round trip of its health probes; null when it did not answer")
    detail: str | None = Field(description="Why it is unavailable, or which of its dependencies failed")


class QueueDepth(BaseModel):
    pending: int
    processing: int


class RecentFailure(BaseModel):
    task_id: uuid.UUID
    user_id: uuid.UUID
    error: str | None
    attempts: int
    finished_at: datetime


class SystemLinks(BaseModel):
    grafana_url: str | None
    flower_url: str | None


class SystemOut(BaseModel):
    services: list[ServiceStatus]
    queue: QueueDepth = Field(description="From the tasks table, the source of truth")
    workers: list[WorkerOut]
    recent_failures: list[RecentFailure] = Field(description="The last 20 failed tasks, newest first")
    links: SystemLinks
