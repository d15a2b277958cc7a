"""Opaque cursors over (created_at, id), shared by every list: the position after the last row a page showed."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Query

from zimage_common.errors import BadRequest


class InvalidCursor(BadRequest):
    code = "InvalidCursor"


def encode_cursor(created_at: datetime, row_id: uuid.UUID) -> str:
    raw = f"{created_at.isoformat()}|{row_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, row_id = raw.split("|", 1)
        created_at = datetime.fromisoformat(created)
        if created_at.tzinfo is None:  # ours carry +00:00; a naive time cannot be bound to a UTC column
            raise ValueError("cursor time has no zone")
        return created_at, uuid.UUID(row_id)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor("cursor is not one this API returned") from exc


def encode_offset_cursor(offset: int) -> str:
    """For lists sorted by any column (admin tables): the position as a row count."""
    return base64.urlsafe_b64encode(f"offset|{offset}".encode()).decode().rstrip("=")


def decode_offset_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, value = raw.split("|", 1)
        offset = int(value)
        if kind != "offset" or offset < 0:
            raise ValueError(raw)
        return offset
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor("cursor is not one this API returned") from exc


# Every list's `cursor` query parameter: opaque on purpose, so the spec says what the server accepts.
CursorQuery = Annotated[
    str | None,
    Query(
        max_length=200,
        description="Opaque: the `next_cursor` of the previous page, unchanged. "
        "Any other value is refused with 400 InvalidCursor.",
    ),
]
