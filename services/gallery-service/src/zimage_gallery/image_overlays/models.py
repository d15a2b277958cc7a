from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column
from zimage_common.db import UTCDateTime, utcnow

from zimage_gallery.database import Base


class ImageOverlay(Base):
    """The overlay spec of one image, stored as data beside it (the original object never changes)."""

    __tablename__ = "image_overlays"

    image_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column()
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
