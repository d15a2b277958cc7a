"""Settings bounds, production refusals and the signing key's storage and id (no database needed)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from pydantic import ValidationError
from zimage_auth.config import Settings
from zimage_auth.keys import SigningKey, SigningKeyError, load_signing_key, thumbprint

LONG_SECRET = "x7Q2-long-random-internal-token-for-tests-0123456789"


def _pem() -> str:
    key = Ed25519PrivateKey.generate()
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()


def test_production_refuses_to_start_without_a_signing_key(tmp_path: Path) -> None:
    # pydantic wraps the validator's InsecureSettingsError in a ValidationError (both are ValueErrors).
    with pytest.raises(ValueError, match="refuses to start in production mode") as refused:
        Settings(env="production", data_dir=tmp_path, internal_token=LONG_SECRET)
    message = str(refused.value)
    assert "AUTH_JWT_PRIVATE_KEY" in message
    assert "never generated in production" in message


def test_signing_key_reasons(tmp_path: Path) -> None:
    def key_reasons(settings: Settings) -> list[str]:
        return [r for r in settings.insecure_reasons() if "KEY" in r]

    assert key_reasons(Settings(data_dir=tmp_path))  # no key and no file
    assert key_reasons(Settings(data_dir=tmp_path, jwt_private_key="-----BEGIN nonsense"))
    assert key_reasons(Settings(data_dir=tmp_path, jwt_private_key=_pem())) == []
    load_signing_key(Settings(data_dir=tmp_path))  # writes the default file
    assert key_reasons(Settings(data_dir=tmp_path)) == []
    assert any(
        "AUTH_REFRESH_COOKIE_SECURE" in r
        for r in Settings(data_dir=tmp_path, refresh_cookie_secure=False).insecure_reasons()
    )


def test_production_never_generates_a_key(tmp_path: Path) -> None:
    production = Settings(data_dir=tmp_path).model_copy(update={"env": "production"})
    with pytest.raises(SigningKeyError, match="AUTH_JWT_PRIVATE_KEY"):
        load_signing_key(production)
    assert not (tmp_path / "keys").exists()
    assert production.cookie_secure is True


def test_embedded_mode_generates_a_private_key_file_once(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = load_signing_key(settings)
    path = tmp_path / "keys" / "jwt-ed25519.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_signing_key(settings).kid == first.kid
    assert settings.cookie_secure is False


def test_key_from_the_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pem = _pem()
    monkeypatch.setenv("AUTH_JWT_PRIVATE_KEY", pem)
    key = load_signing_key(Settings(data_dir=tmp_path))
    assert key.private_pem().decode() == pem
    assert not (tmp_path / "keys").exists()


def test_a_key_of_the_wrong_type_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    with pytest.raises(SigningKeyError, match="Ed25519"):
        load_signing_key(Settings(data_dir=tmp_path, jwt_private_key=pem.decode()))


def test_kid_is_the_rfc7638_thumbprint() -> None:
    # RFC 8037, appendix A.3: the thumbprint of the RFC's example Ed25519 public key.
    example = {"crv": "Ed25519", "kty": "OKP", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    assert thumbprint(example) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    key = SigningKey(Ed25519PrivateKey.generate())
    assert key.kid == thumbprint(key.public_jwk())


@pytest.mark.parametrize("minutes", [4, 31])
def test_access_token_ttl_outside_5_to_30_minutes_is_refused(tmp_path: Path, minutes: int) -> None:
    with pytest.raises(ValidationError, match="access_token_ttl_minutes"):
        Settings(data_dir=tmp_path, access_token_ttl_minutes=minutes)


def test_settings_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTH_ACCESS_TOKEN_TTL_MINUTES", "30")
    monkeypatch.setenv("AUTH_LOGIN_ACCOUNT_LIMIT", "3/1 minute")
    monkeypatch.setenv("AUTH_REFRESH_COOKIE_NAME", "rt")
    settings = Settings(data_dir=tmp_path)
    assert settings.access_token_ttl_seconds == 1800
    assert settings.login_account_limit == "3/1 minute"
    assert settings.refresh_cookie_name == "rt"
    assert settings.login_ip_limit == "50/15 minutes"
    assert settings.revocation_ttl_seconds > settings.access_token_ttl_seconds


def test_unreadable_limits_and_inconsistent_lifetimes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="10 per fortnight"):
        Settings(data_dir=tmp_path, login_ip_limit="10 per fortnight")
    with pytest.raises(ValidationError, match="AUTH_REFRESH_TOKEN_TTL_DAYS"):
        Settings(data_dir=tmp_path, refresh_token_ttl_days=40, session_max_age_days=30)
