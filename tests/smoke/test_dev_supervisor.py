"""The real `make dev` supervisor: migrate, start every service, serve a user, stop with nothing left behind."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.support.stack import Stack

pytestmark = pytest.mark.slow


def test_dev_supervisor_serves_and_stops_cleanly(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    stack = Stack(data_dir).start()
    try:
        children = stack.processes()
        commands = [" ".join(c.cmdline()) for c in children]
        for factory in ("zimage_auth", "zimage_image", "zimage_gallery", "zimage_gateway"):
            assert any(factory in cmd for cmd in commands), commands
        assert any("celery" in cmd for cmd in commands), commands
        with httpx.Client(timeout=30) as client:
            headers = stack.user(client)
            me = client.get(f"{stack.api}/users/me", headers=headers)
            assert me.status_code == 200, me.text
            assert me.json()["email"].endswith("@example.com")
        assert any("zimage-platform is ready" in line for line in stack.lines)
        assert (data_dir / "logs" / "gateway.log").stat().st_size > 0
    finally:
        stack.stop()
    assert stack.proc is not None and stack.proc.returncode == 0, "\n".join(stack.lines[-40:])
    assert stack.wait_for("stopped", timeout=5)
    time.sleep(0.5)
    alive = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert not alive, [c.cmdline() for c in alive]


def test_a_crashed_service_is_restarted(tmp_path: Path) -> None:
    stack = Stack(tmp_path / "data").start()
    try:
        auth = next(p for p in stack.processes() if "zimage_auth" in " ".join(p.cmdline()))
        auth.kill()
        assert stack.wait_for("auth exited with code", timeout=30), "\n".join(stack.lines[-30:])
        deadline = time.monotonic() + 60
        with httpx.Client(timeout=5) as client:
            while time.monotonic() < deadline:
                try:
                    if client.get(f"http://127.0.0.1:{stack.base + 1}/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.3)
            else:
                raise AssertionError("auth-service was not restarted:\n" + "\n".join(stack.lines[-30:]))
            assert stack.user(client)  # and the platform works again through the gateway
    finally:
        stack.stop()
