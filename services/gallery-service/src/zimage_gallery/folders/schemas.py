from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

MAX_FOLDER_NAME = 100


def normalize_folder_name(value: str) -> str:
    name = re.sub(r"\s+", " ", unicodedata.normalize("NFC", value)).strip()
    if not name:
        raise ValueError("a folder name must not be blank")
    if len(name) > MAX_FOLDER_NAME:
        raise ValueError(f"a folder name has at most {MAX_FOLDER_NAME} characters")
    if any(unicodedata.category(c)[0] == "C" for c in name):
        raise ValueError("a folder name must not contain control characters")
    return name


FolderName = Annotated[str, Field(min_length=1, max_length=300), AfterValidator(normalize_folder_name)]


class FolderOut(BaseModel):
    id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    created_at: datetime


class FolderPage(BaseModel):
    items: list[FolderOut]
    next_cursor: str | None


class FolderCreate(BaseModel):
    name: FolderName
    parent_id: uuid.UUID | None = Field(None, description="A top-level folder of yours; folders nest one level")


class FolderRename(BaseModel):
    name: FolderName
