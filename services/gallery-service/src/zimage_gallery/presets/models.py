from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column
from zimage_common.db import UTCDateTime, new_id, utcnow

from zimage_gallery.database import Base


class PresetCategory(StrEnum):
    lighting = "lighting"
    camera = "camera"
    mood = "mood"
    palette = "palette"
    style = "style"


class PresetScope(StrEnum):
    builtin = "builtin"  # seeded by migrations; read-only for everyone
    shared = "shared"  # made by an administrator; visible to everyone
    personal = "personal"  # visible to its owner only


class PromptPreset(Base):
    """A style snippet a user adds to a prompt ("soft golden hour light"); only personal ones have an owner."""

    __tablename__ = "prompt_presets"
    __table_args__ = (
        Index("ix_prompt_presets_owner_created", "owner_id", "created_at"),
        Index("ix_prompt_presets_category_created", "category", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    owner_id: Mapped[uuid.UUID | None] = mapped_column()
    scope: Mapped[str] = mapped_column(String(16), default=PresetScope.personal)
    category: Mapped[str] = mapped_column(String(16))
    label_ko: Mapped[str] = mapped_column(String(60))
    label_en: Mapped[str] = mapped_column(String(60))
    snippet: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
