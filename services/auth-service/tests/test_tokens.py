"""Forged, expired and misused tokens are all refused with 401 (ASVS 9.1.1, 9.1.2, 9.2.1, 9.2.2)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from zimage_auth.config import Settings
from zimage_auth.keys import load_signing_key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(obj: dict[str, Any]) -> str:
    return _b64(json.dumps(obj, separators=(",", ":")).encode())


def _with_payload(token: str, **changes: Any) -> str:
    """The same header and signature over a changed payload."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return ".".join([header, _segment({**claims, **changes}), signature])


Forger = Callable[[dict[str, Any], dict[str, Any], Settings], str]


def _sign(claims: dict[str, Any], settings: Settings, *, kid: str | None = None, attacker: bool = False) -> str:
    """EdDSA-sign `claims` with the service's key (or a stranger's), under its kid unless one is given."""
    real = load_signing_key(settings)
    key = Ed25519PrivateKey.generate() if attacker else load_pem_private_key(real.private_pem(), password=None)
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid or real.kid})


def _alg_none(claims: dict[str, Any], tokens: dict[str, Any], settings: Settings) -> str:
    header = {"alg": "none", "typ": "JWT", "kid": load_signing_key(settings).kid}
    return f"{_segment(header)}.{_segment(claims)}."


def _hs256_with_public_key(claims: dict[str, Any], tokens: dict[str, Any], settings: Settings) -> str:
    """Algorithm confusion: HMAC keyed with the published public key."""
    key = load_signing_key(settings)
    signing_input = f"{_segment({'alg': 'HS256', 'typ': 'JWT', 'kid': key.kid})}.{_segment(claims)}"
    mac = hmac.new(key.public_jwk()["x"].encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(mac)}"


def _expired(claims: dict[str, Any], tokens: dict[str, Any], settings: Settings) -> str:
    now = int(time.time())
    return _sign({**claims, "iat": now - 7200, "exp": now - 3600}, settings)


def _tampered(claims: dict[str, Any], tokens: dict[str, Any], settings: Settings) -> str:
    return _with_payload(tokens["access_token"], role="admin")


def _refresh_as_access(claims: dict[str, Any], tokens: dict[str, Any], settings: Settings) -> str:
    return str(tokens["refresh_token"])


def _claims_changed(**changes: Any) -> Forger:
    def forge(claims: dict[str, Any], tokens: dict[str, Any], settings: Settings) -> str:
        return _sign({**claims, **changes}, settings)

    return forge


def _claim_removed(name: str) -> Forger:
    def forge(claims: dict[str, Any], tokens: dict[str, Any], settings: Settings) -> str:
        return _sign({k: v for k, v in claims.items() if k != name}, settings)

    return forge


FORGERIES: dict[str, Forger] = {
    "alg_none": _alg_none,
    "hs256_with_public_key": _hs256_with_public_key,
    "wrong_key": lambda claims, tokens, settings: _sign(claims, settings, attacker=True),
    "unknown_kid": lambda claims, tokens, settings: _sign(claims, settings, kid="not-a-known-key"),
    "expired": _expired,
    "tampered_payload": _tampered,
    "refresh_token_as_access_token": _refresh_as_access,
    "typ_refresh": _claims_changed(typ="refresh"),
    "wrong_audience": _claims_changed(aud="someone-else"),
    "wrong_issuer": _claims_changed(iss="https://evil.example"),
    "no_exp": _claim_removed("exp"),
    "no_sid": _claim_removed("sid"),
    "garbage": lambda claims, tokens, settings: "not.a.jwt",
}


@pytest.mark.parametrize("forgery", FORGERIES)
async def test_forged_or_misused_tokens_get_401(
    api: Any, client: httpx.AsyncClient, migrated: Settings, forgery: str
) -> None:
    _, tokens = await api.signed_up()
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})

    # Control: the same claims signed properly are accepted, so each refusal below is the forgery's.
    control = _sign(claims, migrated)
    assert (await api.me(control)).status_code == 200

    resp = await api.me(FORGERIES[forgery](claims, tokens, migrated))
    assert resp.status_code == 401, resp.text
    assert resp.json()["error"] == "Unauthorized"
