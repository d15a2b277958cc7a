from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from zimage_common.db import UTCDateTime, new_id, utcnow

from zimage_gallery.database import Base


class BrandKit(Base):
    """The team's brand: colours with roles, prompt guidance, fonts and logos (one workspace per installation,
    so a kit has no owner; administrators manage kits, everyone uses them)."""

    __tablename__ = "brand_kits"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    colours: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{role, hex}]
    style_words: Mapped[list[str]] = mapped_column(JSON)
    avoid_words: Mapped[list[str]] = mapped_column(JSON)
    default_font_id: Mapped[uuid.UUID | None] = mapped_column()
    created_by: Mapped[uuid.UUID] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BrandKitFont(Base):
    __tablename__ = "brand_kit_fonts"
    __table_args__ = (Index("ix_brand_kit_fonts_kit_created", "kit_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kit_id: Mapped[uuid.UUID] = mapped_column()
    family: Mapped[str] = mapped_column(String(200))
    style: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(512), unique=True)
    bytes: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BrandKitLogo(Base):
    __tablename__ = "brand_kit_logos"
    __table_args__ = (Index("ix_brand_kit_logos_kit_created", "kit_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kit_id: Mapped[uuid.UUID] = mapped_column()
    key: Mapped[str] = mapped_column(String(512), unique=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(64))  # of the stored file (SVG is stored rasterised: PNG)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
