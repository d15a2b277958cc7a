"""The Ed25519 key that signs every token, its RFC 7638 key id, and the public JWKS other services fetch."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import jwt
import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)
from zimage_common.tokens import ALGORITHM

from zimage_auth.config import PRIVATE_KEY_ENV, PRIVATE_KEY_FILE_ENV, Settings

log = structlog.get_logger("zimage.auth.keys")


class SigningKeyError(RuntimeError):
    """No usable signing key, and none may be generated."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class SigningKey:
    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private_key = private_key
        raw_public = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self._public_members = {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw_public)}
        self.kid = thumbprint(self._public_members)

    def public_jwk(self) -> dict[str, str]:
        return {**self._public_members, "kid": self.kid, "use": "sig", "alg": ALGORITHM}

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [self.public_jwk()]}

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self._private_key, algorithm=ALGORITHM, headers={"kid": self.kid})

    def private_pem(self) -> bytes:
        return self._private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


def thumbprint(public_members: dict[str, str]) -> str:
    """RFC 7638: SHA-256 over the required members (crv, kty, x for OKP), sorted, without whitespace."""
    required = {name: public_members[name] for name in ("crv", "kty", "x")}
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True).encode()
    return _b64url(hashlib.sha256(canonical).digest())


def _from_pem(pem: bytes, source: str) -> SigningKey:
    try:
        key = load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"{source} is not an unencrypted PEM private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{source} holds a {type(key).__name__}; an Ed25519 key is required")
    return SigningKey(key)


def _write_new_key(path: Path) -> SigningKey:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = SigningKey(Ed25519PrivateKey.generate())
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".jwt-", suffix=".tmp")  # created 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(key.private_pem())
        # link() publishes the complete file or fails if another process was first; then theirs wins.
        os.link(tmp_name, path)
    except FileExistsError:
        return _from_pem(path.read_bytes(), str(path))
    finally:
        os.unlink(tmp_name)
    log.info("jwt_key_generated", path=str(path), kid=key.kid)
    return key


def load_signing_key(settings: Settings) -> SigningKey:
    """AUTH_JWT_PRIVATE_KEY, else the key file; outside production a missing file is generated."""
    if settings.jwt_private_key is not None:
        return _from_pem(settings.jwt_private_key.get_secret_value().encode(), PRIVATE_KEY_ENV)
    path = settings.private_key_path
    if path.is_file():
        return _from_pem(path.read_bytes(), str(path))
    if settings.production:
        raise SigningKeyError(
            f"no JWT signing key at {path}: set {PRIVATE_KEY_ENV} or {PRIVATE_KEY_FILE_ENV}; "
            "keys are never generated in production"
        )
    return _write_new_key(path)
