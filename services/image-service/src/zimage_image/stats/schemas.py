from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

APPROXIMATE = (
    "nearest rank, read from a histogram of 5 %-wide bins: within 2.5 % of the exact value between 1 ms and 24 h, "
    "within 0.5 ms below 1 ms"
)


class StatsPoint(BaseModel):
    start: datetime = Field(description="Start of the bucket (UTC)")
    images: int = Field(description="Images of tasks that completed in the bucket")
    tasks: int = Field(description="Tasks that finished in the bucket (completed, failed or canceled)")
    failures: int
    canceled: int
    active_users: int = Field(description="Users with at least one finished task in the bucket")
    gpu_seconds: float
    queue_wait_p50: float | None = Field(description=f"Median seconds from submit to first start ({APPROXIMATE})")
    queue_wait_p95: float | None = Field(description=f"95th percentile of the same ({APPROXIMATE})")


class StatsTotals(BaseModel):
    images: int
    tasks: int
    failures: int
    failure_rate: float = Field(description="failures / (completed + failed); canceled tasks do not count")
    active_users: int
    gpu_seconds: float
    queue_wait_p50: float | None = Field(description=f"Median seconds from submit to first start ({APPROXIMATE})")
    queue_wait_p95: float | None = Field(description=f"95th percentile of the same ({APPROXIMATE})")


class TopUser(BaseModel):
    user_id: uuid.UUID
    images: int
    tasks: int
    gpu_seconds: float


class StatsOut(BaseModel):
    from_: datetime = Field(alias="from", description="Start of the first bucket (the requested start, rounded down)")
    to: datetime
    bucket: Literal["hour", "day"]
    series: list[StatsPoint] = Field(description="Every bucket of the range in order, empty ones with zeros")
    totals: StatsTotals
    top_users: list[TopUser] = Field(description="Up to 10 users with the most images in the range")

    model_config = {"populate_by_name": True}


class MonthlyImages(BaseModel):
    counts: dict[uuid.UUID, int]
