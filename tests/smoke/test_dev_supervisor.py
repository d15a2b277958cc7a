"""The real `make dev` supervisor: migrate, start every service, serve a user, stop with nothing left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import psutil
import pytest

from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def free_port_block(size: int = 4) -> int:
    for _ in range(50):
        base = free_port()
        if base + size < 65000 and all(_port_free(base + i) for i in range(size)):
            return base
    raise RuntimeError("no block of free ports")


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class Output:
    def __init__(self, stream) -> None:  # type: ignore[no-untyped-def]
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream) -> None:  # type: ignore[no-untyped-def]
        for line in stream:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines):
                return True
            time.sleep(0.2)
        return False


@pytest.mark.slow
def test_dev_supervisor_serves_and_stops_cleanly(tmp_path: Path) -> None:
    base = free_port_block()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")} | {
        "DATA_DIR": str(tmp_path / "data"),
        "DEV_PORT_BASE": str(base),
        "NO_COLOR": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "dev.py")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    out = Output(proc.stdout)
    children: list[psutil.Process] = []
    try:
        assert out.wait_for("zimage-platform is ready", timeout=120), "\n".join(out.lines[-60:])
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len(children) >= 4, [c.cmdline() for c in children]

        gw = f"http://127.0.0.1:{base}/api/v1"
        email = f"smoke-{uuid.uuid4().hex[:8]}@example.com"
        with httpx.Client(timeout=30) as client:
            r = client.post(
                f"{gw}/auth/register", json={"email": email, "password": "correct-horse-42", "display_name": "Smoke"}
            )
            assert r.status_code == 201, r.text
            r = client.post(f"{gw}/auth/login", json={"email": email, "password": "correct-horse-42"})
            assert r.status_code == 200, r.text
            token = r.json()["access_token"]
            me = client.get(f"{gw}/users/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200, me.text
            assert me.json()["email"] == email
        assert (tmp_path / "data" / "logs" / "gateway.log").stat().st_size > 0
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, "\n".join(out.lines[-40:])
    assert out.wait_for("stopped", timeout=5)
    time.sleep(0.5)
    alive = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert not alive, [c.cmdline() for c in alive]
