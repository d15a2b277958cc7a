"""auth-service settings: AUTH_-prefixed fields on top of the shared ServiceSettings.

Client addresses for login throttling and the audit log come from `AUTH_TRUSTED_PROXIES` (see
`ApiServiceSettings`): any peer's `X-Forwarded-For` but the api-gateway's is ignored.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from limits import parse
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict
from zimage_common.settings import ApiServiceSettings
from zimage_common.tokens import LEEWAY_SECONDS

PRIVATE_KEY_ENV = "AUTH_JWT_PRIVATE_KEY"
PRIVATE_KEY_FILE_ENV = "AUTH_JWT_PRIVATE_KEY_FILE"


class Settings(ApiServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_")
    service_name: ClassVar[str] = "auth"

    access_token_ttl_minutes: int = Field(15, ge=5, le=30)
    refresh_token_ttl_days: int = Field(7, ge=1)
    # A refresh family (one sign-in) ends this long after login, however often it is rotated.
    session_max_age_days: int = Field(30, ge=1)

    # Ed25519 private key as PEM text; wins over the file. Production needs this or an existing file.
    jwt_private_key: SecretStr | None = None
    # Defaults to {DATA_DIR}/keys/jwt-ed25519.pem; generated there (0600) outside production if missing.
    jwt_private_key_file: Path | None = None

    # Failed logins allowed per window, in `limits` notation ("10/15 minutes").
    login_account_limit: str = "10/15 minutes"
    login_ip_limit: str = "50/15 minutes"

    # Password-reset links an admin issues: their lifetime, and the web app that opens them.
    password_reset_ttl_hours: int = Field(24, ge=1, le=168)
    public_app_url: str = "http://localhost:3000"

    refresh_cookie_name: str = "zimage_refresh"
    # None: Secure in production (served over TLS), plain in development.
    refresh_cookie_secure: bool | None = None

    @field_validator("login_account_limit", "login_ip_limit")
    @classmethod
    def _parseable_limit(cls, value: str) -> str:
        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"not a rate limit like '10/15 minutes': {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _refresh_within_session(self) -> Settings:
        if self.refresh_token_ttl_days > self.session_max_age_days:
            raise ValueError("AUTH_REFRESH_TOKEN_TTL_DAYS must not exceed AUTH_SESSION_MAX_AGE_DAYS")
        return self

    @property
    def private_key_path(self) -> Path:
        return self.jwt_private_key_file or self.data_dir / "keys" / "jwt-ed25519.pem"

    @property
    def access_token_ttl_seconds(self) -> int:
        return self.access_token_ttl_minutes * 60

    @property
    def revocation_ttl_seconds(self) -> int:
        """How long a revoked session id must be remembered: the longest any of its access tokens lives."""
        return self.access_token_ttl_seconds + LEEWAY_SECONDS + 60

    @property
    def cookie_secure(self) -> bool:
        return self.production if self.refresh_cookie_secure is None else self.refresh_cookie_secure

    def insecure_reasons(self) -> list[str]:
        # The signing key is not in secret_fields: a PEM is checked by parsing it, not by length.
        reasons = super().insecure_reasons()
        if self.jwt_private_key is not None:
            if not _is_ed25519_pem(self.jwt_private_key.get_secret_value().encode()):
                reasons.append(f"{PRIVATE_KEY_ENV} is not an unencrypted Ed25519 private key in PEM form")
        elif not self.private_key_path.is_file():
            reasons.append(
                f"no JWT signing key: set {PRIVATE_KEY_ENV} or {PRIVATE_KEY_FILE_ENV} "
                f"(no file at {self.private_key_path}); keys are never generated in production"
            )
        if self.refresh_cookie_secure is False:
            reasons.append("AUTH_REFRESH_COOKIE_SECURE is off; refresh cookies must only travel over TLS")
        return reasons


def _is_ed25519_pem(pem: bytes) -> bool:
    try:
        return isinstance(load_pem_private_key(pem, password=None), Ed25519PrivateKey)
    except (ValueError, TypeError):
        return False
