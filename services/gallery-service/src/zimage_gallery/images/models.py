from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, Index, Integer, String, Text, literal_column
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column
from zimage_common.db import UTCDateTime, utcnow

from zimage_gallery.database import Base

# SQLite only auto-numbers an INTEGER PRIMARY KEY; PostgreSQL gets a bigint identity.
SurrogateKey = BigInteger().with_variant(Integer, "sqlite")


# PostgreSQL only: `images.search_vector`, a stored generated column to_tsvector('simple', search_text) with a GIN
# index (migration 0003). Unmapped, like SQLite's images_fts: each database keeps its own search structure.
SEARCH_VECTOR = literal_column("images.search_vector", TSVECTOR)


class GalleryImage(Base):
    __tablename__ = "images"
    __table_args__ = (
        Index("ix_images_owner_created", "owner_id", "created_at", "id"),
        Index("ix_images_owner_folder_created", "owner_id", "folder_id", "created_at", "id"),
        Index("ix_images_task", "task_id", "index"),
        Index("ix_images_review_status_updated", "review_status", "review_updated_at"),
    )

    # The integer key exists for SQLite's FTS5 (its rowid); every API speaks of `id`.
    pk: Mapped[int] = mapped_column(SurrogateKey, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True)
    owner_id: Mapped[uuid.UUID] = mapped_column()
    task_id: Mapped[uuid.UUID] = mapped_column()
    index: Mapped[int] = mapped_column(Integer)
    png_key: Mapped[str] = mapped_column(String(512))
    thumb_key: Mapped[str] = mapped_column(String(512))
    png_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    generation_width: Mapped[int] = mapped_column(Integer)
    generation_height: Mapped[int] = mapped_column(Integer)
    preset: Mapped[str | None] = mapped_column(String(64))
    prompt: Mapped[str] = mapped_column(Text)
    negative_prompt: Mapped[str | None] = mapped_column(Text)
    seed: Mapped[int] = mapped_column(BigInteger)
    steps: Mapped[int] = mapped_column(Integer)
    guidance_scale: Mapped[float] = mapped_column(Float)
    model: Mapped[str | None] = mapped_column(String(200))
    engine: Mapped[str | None] = mapped_column(String(64))
    template_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    favorite: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    folder_id: Mapped[uuid.UUID | None] = mapped_column()
    # Tokens of prompt + note (see images/search.py); indexed by FTS5 on SQLite, GIN on PostgreSQL.
    search_text: Mapped[str] = mapped_column(Text, default="")
    original_missing: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # draft | in_review | approved | changes_requested (docs/marketing.md, "Review"); migration 0005 filled it
    # from the owner-set `approval` that 0006 dropped
    review_status: Mapped[str] = mapped_column(String(24), default="draft", server_default="draft")
    review_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the brand kit a generation named and what it applied: {style_words_added, avoid_words_removed, ...}
    brand_kit_id: Mapped[uuid.UUID | None] = mapped_column()
    brand_guidance: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class DeletedImage(Base):
    """A tombstone: the user deleted this image, so a re-delivered ingest of it must not bring it back."""

    __tablename__ = "deleted_images"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime)
