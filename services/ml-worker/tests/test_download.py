"""The download CLI against unreachable hubs on loopback: it must fail fast, clearly, and non-zero."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import write_fake_model


def run_download(model_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zimage_worker.download", "--model-path", str(model_path), "--timeout", "1"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,  # a guard against hanging, not a speed assertion
        check=False,
    )


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts connections and never answers, like a firewall that swallows packets."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield int(server.getsockname()[1])


def test_refused_connection_fails_with_a_clear_message(tmp_path: Path, closed_port: int) -> None:
    result = run_download(tmp_path / "model", HF_ENDPOINT=f"http://127.0.0.1:{closed_port}")
    assert result.returncode == 2
    assert "Hugging Face Hub is not reachable" in result.stderr
    assert "Tongyi-MAI/Z-Image-Turbo" in result.stderr
    assert "ZIMAGE_ENGINE=tiny" in result.stderr
    assert not (tmp_path / "model").exists()


def test_silent_hub_times_out(tmp_path: Path, silent_server: int) -> None:
    result = run_download(tmp_path / "model", HF_ENDPOINT=f"http://127.0.0.1:{silent_server}")
    assert result.returncode == 2
    assert "no answer within 1s" in result.stderr


def test_offline_mode_fails_without_trying(tmp_path: Path) -> None:
    result = run_download(tmp_path / "model", HF_HUB_OFFLINE="1", HF_ENDPOINT="http://127.0.0.1:9")
    assert result.returncode == 2
    assert "HF_HUB_OFFLINE" in result.stderr


def test_complete_folder_needs_no_network(tmp_path: Path, closed_port: int) -> None:
    folder = write_fake_model(tmp_path / "model")
    result = run_download(folder, HF_ENDPOINT=f"http://127.0.0.1:{closed_port}")
    assert result.returncode == 0, result.stderr
    assert "already complete" in result.stdout
