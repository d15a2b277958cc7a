"""Settings base: one class per service, a prefix per service, shared infrastructure URLs unprefixed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from zimage_common.objects import ObjectStore

# Values shipped in .env.example and code defaults; production refuses every one of them.
KNOWN_DEFAULT_SECRETS = frozenset(
    {
        "",
        "change-me",
        "changeme",
        "secret",
        "password",
        "postgres",
        "zimage",
        "minioadmin",
        "dev-internal-token-change-me-please-0000",
        "dev-signing-secret-change-me-please-000000",
    }
)
MIN_SECRET_LENGTH = 32


class InsecureSettingsError(ValueError):
    """Production mode found a default, short or unsafe setting."""


class ServiceSettings(BaseSettings):
    """Fields every service shares. Subclasses set `env_prefix` for their own fields."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True, env_ignore_empty=True
    )

    service_name: ClassVar[str] = "service"
    # Names of fields holding secrets, checked in production mode.
    secret_fields: ClassVar[tuple[str, ...]] = ("internal_token", "object_signing_secret")

    env: Literal["development", "production"] = Field("development", validation_alias="ZIMAGE_ENV")
    debug: bool = Field(False, validation_alias="ZIMAGE_DEBUG")
    data_dir: Path = Field(Path("data"), validation_alias="DATA_DIR")
    database_url: str | None = Field(None, validation_alias="DATABASE_URL")
    redis_url: str | None = Field(None, validation_alias="REDIS_URL")
    log_format: Literal["console", "json"] | None = Field(None, validation_alias="LOG_FORMAT")
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")
    auth_service_url: str = Field("http://127.0.0.1:8001", validation_alias="AUTH_SERVICE_URL")
    image_service_url: str = Field("http://127.0.0.1:8002", validation_alias="IMAGE_SERVICE_URL")
    gallery_service_url: str = Field("http://127.0.0.1:8003", validation_alias="GALLERY_SERVICE_URL")
    # Shared by services for service-to-service calls (worker reports, gallery ingest).
    internal_token: str = Field("dev-internal-token-change-me-please-0000", validation_alias="INTERNAL_TOKEN")
    # Object storage: a local folder unless an S3 endpoint is configured.
    s3_endpoint_url: str | None = Field(None, validation_alias="S3_ENDPOINT_URL")
    s3_public_endpoint_url: str | None = Field(None, validation_alias="S3_PUBLIC_ENDPOINT_URL")
    s3_bucket: str = Field("zimage", validation_alias="S3_BUCKET")
    s3_region: str = Field("us-east-1", validation_alias="S3_REGION")
    s3_access_key: str | None = Field(None, validation_alias="S3_ACCESS_KEY")
    s3_secret_key: str | None = Field(None, validation_alias="S3_SECRET_KEY")
    object_signing_secret: str = Field(
        "dev-signing-secret-change-me-please-000000", validation_alias="OBJECT_SIGNING_SECRET"
    )
    celery_broker_url: str | None = Field(None, validation_alias="CELERY_BROKER_URL")
    jwt_issuer: str = Field("zimage-auth", validation_alias="JWT_ISSUER")
    jwt_audience: str = Field("zimage", validation_alias="JWT_AUDIENCE")

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def json_logs(self) -> bool:
        return self.log_format == "json" if self.log_format else self.production

    @property
    def jwks_url(self) -> str:
        return f"{self.auth_service_url.rstrip('/')}/.well-known/jwks.json"

    @property
    def broker_url(self) -> str:
        from zimage_common.queue import resolve_broker_url

        return resolve_broker_url(self.celery_broker_url, self.redis_url)

    def object_store(self, public_base_url: str = "/api/v1/objects") -> ObjectStore:
        from zimage_common.objects import object_store_for

        return object_store_for(
            data_dir=self.data_dir,
            s3_endpoint_url=self.s3_endpoint_url,
            s3_bucket=self.s3_bucket,
            s3_region=self.s3_region,
            s3_access_key=self.s3_access_key,
            s3_secret_key=self.s3_secret_key,
            s3_public_endpoint_url=self.s3_public_endpoint_url,
            signing_secret=self.object_signing_secret,
            public_base_url=public_base_url,
        )

    def resolved_database_url(self) -> str:
        """The async SQLAlchemy URL: PostgreSQL when DATABASE_URL is set, else a SQLite file per service."""
        if self.database_url:
            return async_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{(self.data_dir / f'{self.service_name}.db').as_posix()}"

    @property
    def database_schema(self) -> str | None:
        """PostgreSQL schema this service owns (one schema per service); None on SQLite."""
        return self.service_name.replace("-", "_") if self.database_url else None

    def insecure_reasons(self) -> list[str]:
        reasons = []
        for name in self.secret_fields:
            value = str(getattr(self, name) or "")
            env_name = _env_name(self, name)
            if value.lower() in KNOWN_DEFAULT_SECRETS or "change-me" in value.lower():
                reasons.append(f"{env_name} is a default value; set a random secret")
            elif len(value) < MIN_SECRET_LENGTH:
                reasons.append(f"{env_name} is shorter than {MIN_SECRET_LENGTH} characters")
        if self.s3_endpoint_url and (self.s3_secret_key or "").lower() in KNOWN_DEFAULT_SECRETS:
            reasons.append("S3_SECRET_KEY is empty or a default value")
        if self.debug:
            reasons.append("ZIMAGE_DEBUG is on")
        for env_name, url in (("DATABASE_URL", self.database_url), ("REDIS_URL", self.redis_url)):
            password = urlsplit(url).password if url else None
            if password is not None and (password.lower() in KNOWN_DEFAULT_SECRETS or len(password) < 12):
                reasons.append(f"{env_name} uses a default or short password")
        return reasons

    @model_validator(mode="after")
    def _refuse_insecure_production(self) -> ServiceSettings:
        if self.production:
            reasons = self.insecure_reasons()
            if reasons:
                raise InsecureSettingsError(
                    f"{self.service_name} refuses to start in production mode: " + "; ".join(reasons)
                )
        return self


class ApiServiceSettings(ServiceSettings):
    """An HTTP service behind the api-gateway: it believes `X-Forwarded-For` only from these peers.

    `<PREFIX>_TRUSTED_PROXIES` (a JSON list; default the loopback addresses where the embedded gateway runs)
    must hold the gateway's address, the hop that forwards the client address. Run uvicorn with
    `--no-proxy-headers`, so these rules, not uvicorn's, judge the header.
    """

    trusted_proxies: list[str] = Field(default_factory=lambda: ["127.0.0.1", "::1"])


def _env_name(settings: BaseSettings, field_name: str) -> str:
    field = type(settings).model_fields[field_name]
    alias = field.validation_alias
    if isinstance(alias, str):
        return alias
    prefix = settings.model_config.get("env_prefix") or ""
    return f"{prefix}{field_name}".upper()


def async_database_url(url: str) -> str:
    """Accept plain `postgresql://` and `sqlite://` URLs and pick the async drivers."""
    for plain, driver in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgresql+psycopg://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url
