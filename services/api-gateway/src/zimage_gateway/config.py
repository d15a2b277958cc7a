"""api-gateway settings: GATEWAY_-prefixed fields on top of the shared ServiceSettings.

Client addresses come from `GATEWAY_TRUSTED_PROXIES` (or the shared `TRUSTED_PROXIES`; empty by
default: in the embedded mode the gateway is the edge). Run uvicorn with `--no-proxy-headers`:
uvicorn's default believes X-Forwarded-For from 127.0.0.1 and would hand the gateway a
client-chosen address.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, ClassVar

from limits import parse
from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict
from zimage_common.settings import ServiceSettings

DEV_WEB_ORIGINS = ["http://localhost:3000", "http://localhost:3001"]


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_")
    service_name: ClassVar[str] = "gateway"
    # The gateway signs nothing and calls no internal route: no shared secret to demand in production.
    secret_fields: ClassVar[tuple[str, ...]] = ()

    # The edge proxy (Traefik) in front of the gateway: only its X-Forwarded-For is believed.
    trusted_proxies: list[str] = Field(
        default_factory=list, validation_alias=AliasChoices("GATEWAY_TRUSTED_PROXIES", "TRUSTED_PROXIES")
    )
    # Browser origins allowed to call the API with credentials; JSON list or comma-separated.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=lambda: list(DEV_WEB_ORIGINS))

    # `limits` strings ("600/minute", "10/second;100/hour").
    rate_limit_ip: str = "600/minute"
    rate_limit_user: str = "300/minute"
    rate_limit_auth_ip: str = "30/minute"  # login, register

    max_body_bytes: int = Field(10 * 1024 * 1024, gt=0)

    connect_timeout_seconds: float = Field(5.0, gt=0)
    timeout_seconds: float = Field(30.0, gt=0)  # read timeout of ordinary routes
    long_timeout_seconds: float = Field(300.0, gt=0)  # synchronous generation (OpenAI-compatible)
    health_timeout_seconds: float = Field(2.0, gt=0)
    upstream_max_connections: int = Field(1000, gt=0)  # SSE streams hold one each
    openapi_cache_seconds: float = Field(30.0, ge=0)

    behind_tls: bool = False  # the public edge speaks HTTPS: send HSTS on every response
    docs_enabled: bool | None = None  # None: on in development, off in production

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _check_origins(cls, origins: list[str]) -> list[str]:
        cleaned = []
        for origin in origins:
            if origin == "*" or "*" in origin:
                raise ValueError(
                    "GATEWAY_CORS_ORIGINS may not contain '*': credentials are allowed, so list the exact origins"
                )
            if not origin.startswith(("http://", "https://")):
                raise ValueError(f"CORS origin {origin!r} must start with http:// or https://")
            cleaned.append(origin.rstrip("/"))
        return cleaned

    @field_validator("rate_limit_ip", "rate_limit_user", "rate_limit_auth_ip")
    @classmethod
    def _check_limit(cls, value: str) -> str:
        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a rate limit such as '600/minute'") from exc
        return value

    @model_validator(mode="after")
    def _default_docs(self) -> Settings:
        if self.docs_enabled is None:
            self.docs_enabled = not self.production
        return self
