"""Client address rules, production refusals and channel size presets."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from zimage_common.network import client_ip
from zimage_common.settings import InsecureSettingsError, ServiceSettings
from zimage_common.sizes import PRESETS, PRESETS_BY_ID, generation_size, is_valid_generation_size


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.9", "1.2.3.4", [], "203.0.113.9"),  # untrusted peer: header ignored
        ("10.0.0.5", "198.51.100.7", ["10.0.0.0/8"], "198.51.100.7"),  # trusted proxy reports the client
        ("10.0.0.5", "6.6.6.6, 198.51.100.7", ["10.0.0.0/8"], "198.51.100.7"),  # client-prepended spoof
        ("10.0.0.5", "198.51.100.7, 10.0.0.9", ["10.0.0.0/8"], "198.51.100.7"),  # two trusted hops
        ("10.0.0.5", "not-an-ip", ["10.0.0.0/8"], "10.0.0.5"),
        ("127.0.0.1", None, ["127.0.0.1"], "127.0.0.1"),
    ],
)
def test_client_ip(peer: str, forwarded: str | None, trusted: list[str], expected: str) -> None:
    assert client_ip(peer, forwarded, trusted) == expected


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"internal_token": "dev-internal-token-change-me-please-0000"}, "INTERNAL_TOKEN is a default"),
        ({"object_signing_secret": "dev-signing-secret-change-me-please-000000"}, "OBJECT_SIGNING_SECRET"),
        ({"internal_token": "short"}, "INTERNAL_TOKEN is shorter"),
        ({"debug": True}, "ZIMAGE_DEBUG"),
        ({"database_url": "postgresql://zimage:postgres@db/zimage"}, "DATABASE_URL"),
        ({"redis_url": "redis://:changeme@redis:6379/0"}, "REDIS_URL"),
        ({"s3_endpoint_url": "http://minio:9000", "s3_secret_key": "minioadmin"}, "S3_SECRET_KEY"),
    ],
)
def test_production_refuses_each_default_secret(overrides: dict[str, object], named: str) -> None:
    good = {"internal_token": "i" * 40, "object_signing_secret": "s" * 40}
    with pytest.raises(ValidationError, match=named) as refused:
        ServiceSettings(_env_file=None, env="production", **(good | overrides))
    assert "refuses to start in production mode" in str(refused.value)
    with pytest.raises(InsecureSettingsError):  # the same settings, checked directly
        raise InsecureSettingsError("; ".join(ServiceSettings.model_construct(**(good | overrides)).insecure_reasons()))


def test_production_starts_with_real_secrets() -> None:
    settings = ServiceSettings(
        _env_file=None,
        env="production",
        internal_token="i" * 40,
        object_signing_secret="s" * 40,
        database_url="postgresql://zimage:a-long-random-pass@db/zimage",
    )
    assert settings.production and settings.json_logs
    assert settings.resolved_database_url().startswith("postgresql+asyncpg://")


def test_every_preset_generates_at_a_valid_size_no_smaller_than_its_output() -> None:
    for preset in PRESETS:
        w, h = generation_size(preset.width, preset.height)
        assert is_valid_generation_size(w, h), preset
        assert w >= preset.width and h >= preset.height, preset
        assert abs(w / h - preset.width / preset.height) / (preset.width / preset.height) < 0.02, preset


def test_seed_presets_of_the_plan_are_present() -> None:
    assert (PRESETS_BY_ID["instagram_square"].width, PRESETS_BY_ID["instagram_square"].height) == (1080, 1080)
    assert (PRESETS_BY_ID["facebook_cover"].width, PRESETS_BY_ID["facebook_cover"].height) == (820, 312)
    assert generation_size(1024, 576) == (1024, 576)  # valid sizes are used as they are
