from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from zimage_common.settings import ApiServiceSettings


class Settings(ApiServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GALLERY_")
    service_name: ClassVar[str] = "gallery"

    signed_url_seconds: int = Field(300, ge=10, le=300, description="Lifetime of the object URLs handed out")
    # Orphan reconciler (P3): 0 turns the periodic run off; `python -m zimage_gallery.reconciler` runs it once.
    reconcile_interval_seconds: float = Field(3600.0, ge=0, description="Seconds between reconciler runs; 0 = off")
    reconcile_grace_hours: float = Field(24.0, gt=0, description="Objects without a record younger than this stay")
