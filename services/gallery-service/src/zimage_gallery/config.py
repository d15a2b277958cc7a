from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict
from zimage_common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GALLERY_")
    service_name: ClassVar[str] = "gallery"
