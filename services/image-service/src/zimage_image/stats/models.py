"""The usage rollup: finished tasks counted per hour and per day as they finish (migration 0003), so a year of
statistics reads thousands of rows instead of every task."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Float, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column
from zimage_common.db import UTCDateTime

from zimage_image.database import Base

# queue_wait_rollup's user_id for the rows of all users together: percentiles of a whole range cannot be
# summed from per-user histograms without reading every user's rows.
EVERYONE = uuid.UUID(int=0)


class UsageRollup(Base):
    """Tasks that finished in one UTC hour or day for one user (period 'hour' or 'day')."""

    __tablename__ = "usage_rollup"

    period: Mapped[str] = mapped_column(String(4), primary_key=True)
    period_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    tasks: Mapped[int] = mapped_column(Integer)
    images: Mapped[int] = mapped_column(Integer)  # of completed tasks only
    failures: Mapped[int] = mapped_column(Integer)
    canceled: Mapped[int] = mapped_column(Integer)
    gpu_seconds: Mapped[float] = mapped_column(Float)


class QueueWaitRollup(Base):
    """How many of those tasks waited within each queue-wait bin (a log-spaced histogram, see QueueWaitBin);
    user_id EVERYONE holds all users' counts."""

    __tablename__ = "queue_wait_rollup"

    period: Mapped[str] = mapped_column(String(4), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # before the time: one user's range is contiguous
    period_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    wait_bin: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    tasks: Mapped[int] = mapped_column(Integer)


class QueueWaitBin(Base):
    """Lower bound of each bin, so SQL (the backfill, the unrolled last hour) bins a wait as Python does."""

    __tablename__ = "queue_wait_bins"

    wait_bin: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    lower_seconds: Mapped[float] = mapped_column(Float, unique=True)
