from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from zimage_common.db import UTCDateTime, new_id, utcnow

from zimage_gallery.database import Base


class ImageExport(Base):
    """A rendered channel-size copy of an image, cached in the object store under `key`."""

    __tablename__ = "image_exports"
    __table_args__ = (Index("ix_image_exports_image", "image_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    image_id: Mapped[uuid.UUID] = mapped_column()
    owner_id: Mapped[uuid.UUID] = mapped_column()
    preset: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(8))
    quality: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(512), unique=True)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
