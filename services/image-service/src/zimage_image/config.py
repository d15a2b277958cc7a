from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from zimage_common.settings import ApiServiceSettings


class Settings(ApiServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IMAGE_")
    service_name: ClassVar[str] = "image"

    daily_image_quota: int = Field(200, ge=1, description="Images one user may generate per UTC day")
    max_active_tasks: int = Field(4, ge=1, description="Tasks one user may have pending or processing")
    max_attempts: int = Field(3, ge=1, le=10)
    # A worker holds a task for this long after each heartbeat; past it another worker may take over.
    lease_seconds: float = Field(20.0, gt=0)
    # A pending task not picked up for this long is published again (lost messages).
    republish_after_seconds: float = Field(60.0, gt=0)
    sweep_interval_seconds: float = Field(5.0, gt=0)
    relay_interval_seconds: float = Field(1.0, gt=0)
    openai_wait_seconds: float = Field(300.0, gt=0)
    signed_url_seconds: int = Field(300, ge=10, le=300)
    sse_keepalive_seconds: float = Field(15.0, gt=0)
    # Admin system page: the gateway's address for its health probe, the seconds each service probe may
    # take, and the monitoring links it shows when configured.
    gateway_url: str = Field("http://127.0.0.1:8000", validation_alias="GATEWAY_URL")
    probe_timeout_seconds: float = Field(2.0, gt=0, le=10)
    grafana_url: str | None = None
    flower_url: str | None = None
