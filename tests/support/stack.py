"""The whole platform as `make dev` runs it (the real supervisor, real processes), for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psutil

from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
SHARED_TINY_CACHE = Path(os.environ.get("ZIMAGE_TEST_TINY_CACHE", "/tmp/zimage-test-tiny-cache"))
PASSWORD = "correct-horse-42"


def free_port_block(size: int = 4) -> int:
    for _ in range(100):
        base = free_port()
        if base + size < 65000 and all(_port_free(base + i) for i in range(size)):
            return base
    raise RuntimeError("no block of free ports")


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class Stack:
    def __init__(self, data_dir: Path, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.base = free_port_block()
        self.api = f"http://127.0.0.1:{self.base}/api/v1"
        self.lines: list[str] = []
        clean = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DATABASE_URL", "REDIS_URL", "CELERY_", "S3_", "IMAGE_", "WORKER_", "AUTH_"))
        }
        self.env = (
            clean
            | {
                "DATA_DIR": str(data_dir),
                "DEV_PORT_BASE": str(self.base),
                "NO_COLOR": "1",
                "ZIMAGE_ENGINE": "tiny",
                "ZIMAGE_TINY_CACHE_DIR": str(SHARED_TINY_CACHE),
                "LOG_LEVEL": "INFO",
            }
            | (env or {})
        )
        self.proc: subprocess.Popen[str] | None = None

    def start(self, timeout: float = 240) -> Stack:
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "dev.py")],
            cwd=self.data_dir.parent,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        if not self.wait_for("zimage-platform is ready", timeout):
            self.stop()
            raise RuntimeError("stack did not become ready:\n" + "\n".join(self.lines[-80:]))
        return self

    def _read(self) -> None:
        assert self.proc and self.proc.stdout
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines):
                return True
            if self.proc and self.proc.poll() is not None:
                return False
            time.sleep(0.2)
        return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def processes(self) -> list[psutil.Process]:
        assert self.proc
        return psutil.Process(self.proc.pid).children(recursive=True)

    def worker_children(self) -> list[psutil.Process]:
        """Celery pool processes (children of the worker's main process)."""
        out = []
        for p in self.processes():
            try:
                if "celery" in " ".join(p.cmdline()) and p.parent() and "celery" in " ".join(p.parent().cmdline()):
                    out.append(p)
            except psutil.NoSuchProcess:
                continue
        return out

    def user(self, client: httpx.Client) -> dict[str, str]:
        """Register and sign in a fresh user; returns auth headers."""
        email = f"u-{uuid.uuid4().hex[:10]}@example.com"
        r = client.post(
            f"{self.api}/auth/register", json={"email": email, "password": PASSWORD, "display_name": "Tester"}
        )
        assert r.status_code == 201, r.text
        r = client.post(f"{self.api}/auth/login", json={"email": email, "password": PASSWORD})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    def admin(self, client: httpx.Client) -> tuple[str, dict[str, str]]:
        """Create an administrator the way operators do (`make admin`), sign in; returns (email, auth headers)."""
        email = f"admin-{uuid.uuid4().hex[:10]}@example.com"
        subprocess.run(
            [sys.executable, "-m", "zimage_auth.cli", "create-admin", "--email", email, "--password", PASSWORD],
            cwd=self.data_dir.parent,
            env=self.env,
            check=True,
            capture_output=True,
        )
        r = client.post(f"{self.api}/auth/login", json={"email": email, "password": PASSWORD})
        assert r.status_code == 200, r.text
        return email, {"Authorization": f"Bearer {r.json()['access_token']}"}

    def wait_task(
        self, client: httpx.Client, headers: dict[str, str], task_id: str, timeout: float = 120
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            task = client.get(f"{self.api}/tasks/{task_id}", headers=headers).json()
            if task.get("status") in ("completed", "failed", "canceled"):
                return dict(task)
            time.sleep(0.3)
        raise TimeoutError(f"task {task_id} not terminal after {timeout} s:\n" + "\n".join(self.lines[-40:]))


def read_sse(response: httpx.Response) -> list[tuple[str, str, str]]:
    """(id, event, data) triples until the server closes the stream."""
    events: list[tuple[str, str, str]] = []
    event_id, name, data = "", "message", ""
    for line in response.iter_lines():
        if line.startswith("id:"):
            event_id = line[3:].strip()
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data += line[5:].strip()
        elif line == "" and data:
            events.append((event_id, name, data))
            event_id, name, data = "", "message", ""
    return events
