from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

MAX_TAG_LENGTH = 64


def normalize_tag_name(value: str) -> str:
    """NFC, trimmed, inner whitespace collapsed; 1–64 characters, no control characters."""
    name = re.sub(r"\s+", " ", unicodedata.normalize("NFC", value)).strip()
    if not name:
        raise ValueError("a tag name must not be blank")
    if len(name) > MAX_TAG_LENGTH:
        raise ValueError(f"a tag name has at most {MAX_TAG_LENGTH} characters")
    if any(unicodedata.category(c)[0] == "C" for c in name):
        raise ValueError("a tag name must not contain control characters")
    return name


TagName = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(normalize_tag_name)]


class TagOut(BaseModel):
    id: uuid.UUID
    name: str
    created_at: datetime


class TagRef(BaseModel):
    id: uuid.UUID
    name: str


class TagPage(BaseModel):
    items: list[TagOut]
    next_cursor: str | None


class TagCreate(BaseModel):
    name: TagName


class TagRename(BaseModel):
    name: TagName


class TagMerge(BaseModel):
    into: uuid.UUID = Field(description="The tag that takes over this tag's images; this tag is then removed")
