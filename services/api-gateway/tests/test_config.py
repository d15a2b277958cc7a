"""Gateway settings: CORS allow-list, limits, docs default."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from zimage_gateway.config import DEV_WEB_ORIGINS, Settings


def test_defaults() -> None:
    settings = Settings(env="development")
    assert settings.cors_origins == DEV_WEB_ORIGINS
    assert settings.rate_limit_ip == "600/minute"
    assert settings.rate_limit_user == "300/minute"
    assert settings.rate_limit_auth_ip == "30/minute"
    assert settings.max_body_bytes == 10 * 1024 * 1024
    assert settings.docs_enabled is True
    assert settings.behind_tls is False


@pytest.mark.parametrize("origins", [["*"], ["http://localhost:3000", "*"], ["https://*.example.com"]])
def test_wildcard_origin_is_refused(origins: list[str]) -> None:
    with pytest.raises(ValidationError, match="may not contain"):
        Settings(cors_origins=origins)


def test_wildcard_origin_from_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_CORS_ORIGINS", "*")
    with pytest.raises(ValidationError, match="may not contain"):
        Settings()


@pytest.mark.parametrize(
    "raw",
    ["https://app.example.com, https://admin.example.com/", '["https://app.example.com","https://admin.example.com"]'],
)
def test_origins_from_environment(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("GATEWAY_CORS_ORIGINS", raw)
    assert Settings().cors_origins == ["https://app.example.com", "https://admin.example.com"]


def test_origin_needs_a_scheme() -> None:
    with pytest.raises(ValidationError, match="http:// or https://"):
        Settings(cors_origins=["app.example.com"])


def test_rate_limit_strings_are_checked() -> None:
    with pytest.raises(ValidationError, match="not a rate limit"):
        Settings(rate_limit_ip="lots")


def test_docs_follow_the_environment_unless_set() -> None:
    assert Settings(env="production").docs_enabled is False
    assert Settings(env="production", docs_enabled=True).docs_enabled is True
    assert Settings(env="development", docs_enabled=False).docs_enabled is False


def test_production_still_refuses_unsafe_settings() -> None:
    with pytest.raises(ValidationError, match="ZIMAGE_DEBUG is on"):
        Settings(env="production", debug=True)


def test_trusted_proxies_are_the_shared_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    assert Settings().trusted_proxies == []
    monkeypatch.setenv("TRUSTED_PROXIES", '["10.0.0.0/8"]')
    assert Settings().trusted_proxies == ["10.0.0.0/8"]
