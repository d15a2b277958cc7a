from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column
from zimage_common.db import UTCDateTime, new_id, utcnow

from zimage_gallery.database import Base


class TemplateScope(StrEnum):
    builtin = "builtin"  # seeded by migrations; read-only for everyone
    shared = "shared"  # made by an administrator; visible to everyone
    personal = "personal"  # visible to its owner only


class TemplateCategory(StrEnum):
    product = "product"
    social = "social"
    event = "event"
    promotion = "promotion"
    food = "food"
    beauty = "beauty"
    fashion = "fashion"
    interior = "interior"
    tech = "tech"
    other = "other"


class Template(Base):
    __tablename__ = "templates"
    __table_args__ = (
        Index("ix_templates_scope_created", "scope", "created_at"),
        Index("ix_templates_owner_created", "owner_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    owner_id: Mapped[uuid.UUID | None] = mapped_column()
    scope: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    name_ko: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    description_ko: Mapped[str] = mapped_column(String(500))
    description_en: Mapped[str] = mapped_column(String(500))
    pattern: Mapped[str] = mapped_column(Text)
    # [{name, label_ko, label_en, default, required, max_length}], in the order the form shows them
    variables: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    default_preset: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
