from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator
from zimage_common.sizes import PRESETS_BY_ID

from zimage_gallery.templates.models import TemplateCategory, TemplateScope

MAX_PROMPT = 2000  # image-service's prompt limit; patterns and expanded prompts share it
MAX_VARIABLES = 20
MAX_VALUE = 500
VARIABLE_NAME = r"^[a-z][a-z0-9_]{0,31}$"
DEFAULT_PRESET = "square_1024"

Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Pattern = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_PROMPT),
    Field(description="The prompt, with variables written {name}; braces are for variables only"),
]
VariableValues = dict[
    Annotated[str, StringConstraints(max_length=64)], Annotated[str, StringConstraints(max_length=MAX_PROMPT)]
]


def _known_preset(value: str) -> str:
    if value not in PRESETS_BY_ID:
        raise ValueError(f"unknown size preset {value!r}; choose one of: {', '.join(PRESETS_BY_ID)}")
    return value


class TemplateVariable(BaseModel):
    name: Annotated[str, Field(pattern=VARIABLE_NAME, description="Lowercase letters, digits and _; e.g. product")]
    label_ko: Label
    label_en: Label
    default: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=MAX_VALUE)] = None
    required: bool = True
    max_length: int = Field(100, ge=1, le=MAX_VALUE, description="Longest value accepted, after trimming")

    @model_validator(mode="after")
    def _default_fits(self) -> TemplateVariable:
        if self.default == "":
            self.default = None
        if self.default is not None and len(self.default) > self.max_length:
            raise ValueError(f"default of {self.name} is longer than its max_length ({self.max_length})")
        return self


def _unique_names(variables: list[TemplateVariable] | None) -> list[TemplateVariable] | None:
    if variables:
        names = [v.name for v in variables]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"variable names must be unique; repeated: {', '.join(duplicates)}")
    return variables


class TemplateCreate(BaseModel):
    scope: Literal["personal", "shared"] = Field("personal", description="shared: administrators only")
    category: TemplateCategory = TemplateCategory.other
    name_ko: Name | None = Field(None, description="At least one of name_ko and name_en; the other copies it")
    name_en: Name | None = None
    description_ko: Description = ""
    description_en: Description = ""
    pattern: Pattern
    variables: list[TemplateVariable] = Field(default_factory=list, max_length=MAX_VARIABLES)
    default_preset: str = Field(DEFAULT_PRESET, description="A size preset id from GET /size-presets")

    @field_validator("default_preset")
    @classmethod
    def _preset(cls, value: str) -> str:
        return _known_preset(value)

    @field_validator("variables")
    @classmethod
    def _variables(cls, value: list[TemplateVariable]) -> list[TemplateVariable]:
        return _unique_names(value) or []

    @model_validator(mode="after")
    def _one_name_at_least(self) -> TemplateCreate:
        if not self.name_ko and not self.name_en:
            raise ValueError("give name_ko or name_en (or both)")
        self.name_ko = self.name_ko or self.name_en
        self.name_en = self.name_en or self.name_ko
        return self


class TemplateUpdate(BaseModel):
    """Fields to change; a changed pattern or variable list is checked against the other as it will be."""

    category: TemplateCategory | None = None
    name_ko: Name | None = None
    name_en: Name | None = None
    description_ko: Description | None = None
    description_en: Description | None = None
    pattern: Pattern | None = None
    variables: list[TemplateVariable] | None = Field(None, max_length=MAX_VARIABLES)
    default_preset: str | None = None

    @field_validator("variables")
    @classmethod
    def _variables(cls, value: list[TemplateVariable] | None) -> list[TemplateVariable] | None:
        return _unique_names(value)

    @field_validator("default_preset")
    @classmethod
    def _preset(cls, value: str | None) -> str | None:
        return None if value is None else _known_preset(value)

    @model_validator(mode="after")
    def _no_nulls(self) -> TemplateUpdate:
        nulls = sorted(name for name in self.model_fields_set if getattr(self, name) is None)
        if nulls:
            raise ValueError(f"these fields cannot be null: {', '.join(nulls)}")
        return self


class TemplateOut(BaseModel):
    id: uuid.UUID
    owner_id: uuid.UUID | None = Field(description="The owner of a personal template; null for built-in and shared")
    scope: TemplateScope
    category: TemplateCategory
    name_ko: str
    name_en: str
    description_ko: str
    description_en: str
    pattern: str
    variables: list[TemplateVariable]
    default_preset: str
    editable: bool = Field(description="Whether the caller may change or delete it")
    created_at: datetime
    updated_at: datetime


class TemplatePage(BaseModel):
    items: list[TemplateOut]
    next_cursor: str | None


class PreviewRequest(BaseModel):
    variables: VariableValues = Field(default_factory=dict, max_length=50)


class ExpandRequest(PreviewRequest):
    user_id: uuid.UUID


class TemplateExpansion(BaseModel):
    template_id: uuid.UUID
    name: str = Field(description="The template's English name")
    name_ko: str
    prompt: str = Field(description="The pattern with every variable filled in")
    preset: str = Field(description="The template's default size preset id")
