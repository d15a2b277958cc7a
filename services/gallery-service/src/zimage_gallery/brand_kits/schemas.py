from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, model_validator

from zimage_gallery.templates.schemas import MAX_PROMPT

MAX_WORDS = 30  # style words, and again avoid words, per kit
MAX_FONT_BYTES = 10 * 1024 * 1024
MAX_LOGO_BYTES = 2 * 1024 * 1024


class ColourRole(StrEnum):
    primary = "primary"
    secondary = "secondary"
    background = "background"
    text = "text"
    accent = "accent"


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Hex = Annotated[
    str,
    StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$"),
    AfterValidator(str.upper),
    Field(description="#RRGGBB", examples=["#1A1A2E"]),
]


def _one_line(value: str) -> str:
    """A word or short phrase: runs of whitespace made one space; commas would split it in a prompt."""
    value = " ".join(value.split())
    if "," in value:
        raise ValueError("a word or phrase cannot contain a comma; give each as its own entry")
    return value


Word = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=60),
    AfterValidator(_one_line),
    Field(description="A word or short phrase (no commas)"),
]


def _distinct(words: list[str]) -> list[str]:
    seen: set[str] = set()
    for word in words:
        folded = word.casefold()
        if folded in seen:
            raise ValueError(f"{word!r} is listed twice")
        seen.add(folded)
    return words


Words = Annotated[list[Word], Field(max_length=MAX_WORDS), AfterValidator(_distinct)]


class BrandColour(BaseModel):
    role: ColourRole
    hex: Hex


def _one_per_role(colours: list[BrandColour]) -> list[BrandColour]:
    roles = [c.role for c in colours]
    twice = sorted({r.value for r in roles if roles.count(r) > 1})
    if twice:
        raise ValueError(f"one colour per role; given more than once: {', '.join(twice)}")
    return colours


Colours = Annotated[list[BrandColour], Field(max_length=len(ColourRole)), AfterValidator(_one_per_role)]


def _no_overlap(style_words: list[str] | None, avoid_words: list[str] | None) -> None:
    both = {w.casefold() for w in style_words or []} & {w.casefold() for w in avoid_words or []}
    if both:
        raise ValueError(f"a word cannot be both a style word and an avoid word: {', '.join(sorted(both))}")


class BrandKitCreate(BaseModel):
    name: Name
    colours: Colours = Field(default_factory=list)
    style_words: Words = Field(default_factory=list, description="Appended to prompts that name this kit")
    avoid_words: Words = Field(default_factory=list, description="Removed from prompts that name this kit")

    @model_validator(mode="after")
    def _lists_disjoint(self) -> BrandKitCreate:
        _no_overlap(self.style_words, self.avoid_words)
        return self


class BrandKitUpdate(BaseModel):
    """Only the fields sent change; `default_font_id: null` goes back to the bundled font (Pretendard)."""

    name: Name | None = None
    colours: Colours | None = None
    style_words: Words | None = None
    avoid_words: Words | None = None
    default_font_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _lists_disjoint(self) -> BrandKitUpdate:
        _no_overlap(self.style_words, self.avoid_words)
        return self


class BrandKitFontOut(BaseModel):
    id: uuid.UUID
    family: str
    style: str
    key: str = Field(description="Object-store key of the font file")
    bytes: int
    created_at: datetime


class BrandKitLogoOut(BaseModel):
    id: uuid.UUID
    width: int
    height: int
    content_type: str = Field(description="Of the stored file: PNG (an uploaded SVG is stored rasterised)")
    url: str = Field(description="Signed URL of the logo, valid for at most 5 minutes")
    created_at: datetime


class BrandKitOut(BaseModel):
    id: uuid.UUID
    name: str
    colours: list[BrandColour]
    style_words: list[str]
    avoid_words: list[str]
    default_font_id: uuid.UUID | None = Field(description="null: the bundled Korean font (Pretendard)")
    fonts: list[BrandKitFontOut]
    logos: list[BrandKitLogoOut]
    created_by: uuid.UUID
    created_at: datetime
    updated_at: datetime


class BrandKitPage(BaseModel):
    items: list[BrandKitOut]
    next_cursor: str | None


class ApplyRequest(BaseModel):
    prompt: str = Field(max_length=MAX_PROMPT)


class BrandGuidance(BaseModel):
    """What a brand kit did to a prompt (image-service records it on the task and the gallery on the image)."""

    prompt: str
    style_words_added: list[str]
    avoid_words_removed: list[str]
    brand_kit_id: uuid.UUID
    brand_kit_name: str
