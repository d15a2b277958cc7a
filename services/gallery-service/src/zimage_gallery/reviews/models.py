from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column
from zimage_common.db import UTCDateTime, new_id, utcnow

from zimage_gallery.database import Base


class ImageComment(Base):
    """One entry of an image's review thread; `action` names the transition it records (None: a plain comment)."""

    __tablename__ = "image_comments"
    __table_args__ = (Index("ix_image_comments_image_created", "image_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    image_id: Mapped[uuid.UUID] = mapped_column()
    author_id: Mapped[uuid.UUID] = mapped_column()
    author_role: Mapped[str] = mapped_column(String(16))  # owner | reviewer (as the author acted)
    body: Mapped[str] = mapped_column(Text)
    action: Mapped[str | None] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
