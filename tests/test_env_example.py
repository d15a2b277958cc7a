"""`.env.example` documents every setting the services read, and only settings that exist."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = [
    "zimage_common.settings:ServiceSettings",
    "zimage_auth.config:Settings",
    "zimage_gateway.config:Settings",
    "zimage_image.config:Settings",
    "zimage_gallery.config:Settings",
    "zimage_worker.config:Settings",
]
SUPERVISOR_VARS = {"DEV_PORT_BASE", "DEV_HOST", "DEV_READY_TIMEOUT"}
COMPOSE_FILES = ("docker-compose.yml", "docker-compose.prod.yml")
COMPOSE_SECTION = "# Docker Compose:"


def env_names(cls: type[BaseSettings]) -> set[str]:
    prefix = cls.model_config.get("env_prefix") or ""
    names = set()
    for field_name, field in cls.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, str):
            names.add(alias)
        elif isinstance(alias, AliasChoices):
            names.add(str(alias.choices[0]))
        else:
            names.add(f"{prefix}{field_name}".upper())
    return names


def documented() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def service_settings() -> set[str]:
    names = set()
    for ref in SETTINGS:
        module, _, name = ref.partition(":")
        names |= env_names(getattr(importlib.import_module(module), name))
    return names


def compose_vars() -> set[str]:
    """Variables the compose files interpolate (`${VAR}`, `${VAR:-default}`, `${VAR:?error}`) that no service reads."""
    used: set[str] = set()
    for name in COMPOSE_FILES:
        text = (ROOT / name).read_text()
        used |= set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", text))
    return used - service_settings()


def compose_section() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    _, found, section = text.partition(COMPOSE_SECTION)
    assert found, f".env.example has no section starting with {COMPOSE_SECTION!r}"
    return set(re.findall(r"^([A-Z][A-Z0-9_]+)=", section, flags=re.MULTILINE))


def test_every_setting_is_documented() -> None:
    expected = set(SUPERVISOR_VARS) | service_settings() | compose_vars()
    missing = expected - documented()
    assert not missing, f".env.example lacks: {sorted(missing)}"
    unknown = documented() - expected
    assert not unknown, f".env.example documents settings no code reads: {sorted(unknown)}"


def test_compose_section_holds_exactly_the_compose_variables() -> None:
    """Compose's own variables live in their own section; service settings stay in the service sections."""
    assert compose_vars(), "the compose files interpolate no variable: is the regex still right?"
    assert compose_section() == compose_vars()


def test_example_values_parse_for_every_service(monkeypatch: pytest.MonkeyPatch) -> None:
    """Copying .env.example to .env gives every service a valid development configuration."""
    from dotenv import dotenv_values

    values = {k: v for k, v in dotenv_values(ROOT / ".env.example").items() if v is not None}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    loaded = {}
    for ref in SETTINGS:
        module, _, name = ref.partition(":")
        loaded[module] = getattr(importlib.import_module(module), name)(_env_file=None)
    assert all(s.env == "development" for s in loaded.values())
    assert loaded["zimage_auth.config"].trusted_proxies == ["127.0.0.1", "::1"]
    assert loaded["zimage_gateway.config"].trusted_proxies == []
    assert loaded["zimage_image.config"].resolved_database_url().startswith("sqlite+aiosqlite://")
