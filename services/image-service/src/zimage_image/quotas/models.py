from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column
from zimage_common.db import UTCDateTime, utcnow

from zimage_image.database import Base


class UserQuota(Base):
    """Per-user overrides of the default quotas (set by admins)."""

    __tablename__ = "user_quotas"

    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    images_per_day: Mapped[int | None] = mapped_column(Integer)
    max_active_tasks: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
