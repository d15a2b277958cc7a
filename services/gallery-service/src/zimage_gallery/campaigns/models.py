from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Date, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column
from zimage_common.db import UTCDateTime, new_id, utcnow

from zimage_gallery.database import Base


class Campaign(Base):
    """One owner's images grouped for a launch across channels (size preset ids)."""

    __tablename__ = "campaigns"
    __table_args__ = (Index("ix_campaigns_owner_created", "owner_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    owner_id: Mapped[uuid.UUID] = mapped_column()
    name: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    channels: Mapped[list[str]] = mapped_column(JSON)
    brand_kit_id: Mapped[uuid.UUID | None] = mapped_column()
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CampaignImage(Base):
    __tablename__ = "campaign_images"
    __table_args__ = (Index("ix_campaign_images_image", "image_id"),)

    campaign_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    image_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column()
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
