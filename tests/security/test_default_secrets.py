"""Production mode refuses to start on each default secret, and the refusal names it: each service started the
way the supervisor and the images start it (`uvicorn --factory`), with every secret real but one.

The settings-level test (libs/common test_production_refuses_each_default_secret) covers every kind of secret
for the shared settings; this one proves the processes themselves exit instead of serving.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

GOOD = {
    "ZIMAGE_ENV": "production",
    "INTERNAL_TOKEN": "i" * 40,
    "OBJECT_SIGNING_SECRET": "s" * 40,
    "DATABASE_URL": "postgresql://zimage:a-long-random-password@127.0.0.1:1/zimage",
}
APPS = {
    "auth": "zimage_auth.main:create_app",
    "image": "zimage_image.main:create_app",
    "gallery": "zimage_gallery.main:create_app",
    "gateway": "zimage_gateway.main:create_app",
}
DEFAULTS = {  # (service, variable, value, what the refusal must name)
    ("auth", "INTERNAL_TOKEN", "dev-internal-token-change-me-please-0000"),
    ("image", "OBJECT_SIGNING_SECRET", "dev-signing-secret-change-me-please-000000"),
    ("gallery", "INTERNAL_TOKEN", "short"),
    ("image", "DATABASE_URL", "postgresql://zimage:postgres@127.0.0.1:1/zimage"),
    ("gallery", "REDIS_URL", "redis://:changeme@127.0.0.1:1/0"),
    ("gateway", "ZIMAGE_DEBUG", "true"),
    ("auth", "AUTH_JWT_PRIVATE_KEY_FILE", "/nonexistent/jwt.pem"),
}


@pytest.mark.parametrize(("service", "variable", "value"), sorted(DEFAULTS))
def test_production_refuses_a_default_secret_and_names_it(
    service: str, variable: str, value: str, tmp_path: Path
) -> None:
    key = tmp_path / "jwt.pem"  # auth-service also needs its signing key in production
    key.write_bytes(Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    env = (
        {
            "PATH": "/usr/bin:/bin",
            "DATA_DIR": str(tmp_path),
            "HOME": str(tmp_path),
            "AUTH_JWT_PRIVATE_KEY_FILE": str(key),
        }
        | GOOD
        | {variable: value}
    )
    run = subprocess.run(
        [sys.executable, "-m", "uvicorn", "--factory", APPS[service], "--port", "0", "--no-proxy-headers"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode != 0, output[-2000:]
    assert "production" in output and variable in output, output[-2000:]
