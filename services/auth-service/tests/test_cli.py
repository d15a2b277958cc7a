"""`python -m zimage_auth.cli create-admin` against the configured database, run as operators run it."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from zimage_auth.config import Settings


def run_cli(settings: Settings, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AUTH_", "ZIMAGE_")) and k not in {"DATABASE_URL", "REDIS_URL", "DATA_DIR"}
    }
    env["DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        env["DATABASE_URL"] = settings.database_url
    # cwd without a .env, so only these variables configure it.
    return subprocess.run(
        [sys.executable, "-m", "zimage_auth.cli", "create-admin", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def _cli(settings: Settings, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(run_cli, settings, cwd, *args)


async def _role(api: Any, email: str, password: str) -> str:
    tokens = await api.login(email, password)
    return str((await api.me(tokens["access_token"])).json()["role"])


async def test_create_admin_with_a_generated_password(api: Any, migrated: Settings, tmp_path: Path) -> None:
    email = api.unique_email("Boss")
    done = await _cli(migrated, tmp_path, "--email", email, "--display-name", "The Boss")
    assert done.returncode == 0, done.stderr
    assert f"created admin {email.lower()}" in done.stdout
    match = re.search(r"generated password \(shown once, store it now\): (\S+)", done.stdout)
    assert match, done.stdout
    assert await _role(api, email, match.group(1)) == "admin"


async def test_create_admin_with_a_given_password(api: Any, migrated: Settings, tmp_path: Path) -> None:
    email = api.unique_email("chief")
    done = await _cli(migrated, tmp_path, "--email", email, "--password", "Quartz-lantern-58")
    assert done.returncode == 0, done.stderr
    assert "generated password" not in done.stdout
    assert await _role(api, email, "Quartz-lantern-58") == "admin"


async def test_existing_user_is_promoted_and_keeps_the_password(
    api: Any, client: httpx.AsyncClient, migrated: Settings, tmp_path: Path
) -> None:
    user = await api.register()
    assert await _role(api, user["email"], api.PASSWORD) == "user"

    done = await _cli(migrated, tmp_path, "--email", user["email"].upper(), "--password", "Other-password-99")
    assert done.returncode == 0, done.stderr
    assert f"promoted {user['email']}" in done.stdout
    assert "existing password was kept" in done.stderr
    assert await _role(api, user["email"], api.PASSWORD) == "admin"


async def test_bad_input_exits_non_zero_with_a_reason(api: Any, migrated: Settings, tmp_path: Path) -> None:
    bad_email = await _cli(migrated, tmp_path, "--email", "not-an-email")
    assert bad_email.returncode != 0
    assert "invalid email" in bad_email.stderr

    email = api.unique_email("weak")
    weak = await _cli(migrated, tmp_path, "--email", email, "--password", "short")
    assert weak.returncode != 0
    assert "at least 10 characters" in weak.stderr
    # Nothing was created: the address is still free to register.
    await api.register(email=email)
