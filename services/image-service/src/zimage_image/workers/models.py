from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from zimage_common.db import UTCDateTime, utcnow

from zimage_image.database import Base


class Worker(Base):
    """What each ml-worker last reported about itself (its status heartbeat, every ~10 s)."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)  # the Celery node name
    hostname: Mapped[str] = mapped_column(String(255))
    engine: Mapped[str | None] = mapped_column(String(32))
    model: Mapped[str | None] = mapped_column(String(200))
    device: Mapped[str] = mapped_column(String(32))
    gpu_name: Mapped[str | None] = mapped_column(String(200))
    gpu_memory_used_bytes: Mapped[int | None] = mapped_column(BigInteger)
    gpu_memory_total_bytes: Mapped[int | None] = mapped_column(BigInteger)
    gpu_utilization: Mapped[float | None] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(16))
    current_task_id: Mapped[uuid.UUID | None] = mapped_column()
    tasks_done: Mapped[int] = mapped_column(Integer, default=0)
    interval_seconds: Mapped[float] = mapped_column(Float)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
