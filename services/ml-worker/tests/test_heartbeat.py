"""The worker's status heartbeat: what it reports over HTTP, and that a failing report never stops it."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from zimage_worker.heartbeat import StatusReporter, gpu_snapshot

TOKEN = "worker-tests-token-" + "9" * 16


class Recorder:
    def __init__(self) -> None:
        self.reports: list[tuple[str, str | None, dict[str, Any]]] = []
        self.status = 204
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                recorder.reports.append((self.path, self.headers.get("x-internal-token"), body))
                self.send_response(recorder.status)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, count: int, within: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + within
        while len(self.reports) < count:
            assert time.monotonic() < deadline, f"{len(self.reports)} reports, wanted {count}"
            time.sleep(0.01)
        return [body for _, _, body in self.reports]


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    yield rec
    rec.server.shutdown()


def test_reports_state_engine_and_tasks(recorder: Recorder) -> None:
    reporter = StatusReporter(recorder.url, TOKEN, worker_id="celery@box", interval_seconds=0.05, engine="auto")
    reporter.start()
    try:
        first = recorder.wait(1)[0]
        assert first["state"] == "starting" and first["engine"] == "auto" and first["id"] == "celery@box"
        reporter.engine_ready("tiny", "tiny-random", "cpu")
        task_id = str(uuid.uuid4())
        reporter.task_started(task_id)
        busy = next(b for b in recorder.wait(len(recorder.reports) + 2)[::-1] if b["state"] == "busy")
        assert busy["current_task_id"] == task_id and busy["engine"] == "tiny" and busy["model"] == "tiny-random"
        reporter.task_finished(task_id)
        idle = recorder.wait(len(recorder.reports) + 2)[-1]
        assert (idle["state"], idle["current_task_id"], idle["tasks_done"]) == ("idle", None, 1)
    finally:
        reporter.stop()
    path, token, body = recorder.reports[-1]
    assert path == "/internal/v1/workers/heartbeat" and token == TOKEN
    # on the CPU every GPU field is null
    assert body["device"] == "cpu"
    assert [body[k] for k in ("gpu_name", "gpu_memory_used_bytes", "gpu_memory_total_bytes", "gpu_utilization")] == [
        None
    ] * 4
    assert body["interval_seconds"] == 0.05 and body["hostname"]


def test_failed_reports_are_logged_and_the_thread_keeps_going(recorder: Recorder) -> None:
    recorder.status = 503
    reporter = StatusReporter(recorder.url, TOKEN, worker_id="celery@flaky", interval_seconds=0.05)
    reporter.start()
    try:
        recorder.wait(3)
        assert reporter.report() is False
        recorder.status = 204
        assert reporter.report() is True
    finally:
        reporter.stop()


def test_an_unreachable_image_service_never_raises() -> None:
    reporter = StatusReporter("http://127.0.0.1:9", TOKEN, worker_id="celery@alone", interval_seconds=0.05, timeout=0.5)
    assert reporter.report() is False
    reporter.start()
    time.sleep(0.2)
    assert reporter._thread.is_alive()
    reporter.stop()
    assert not reporter._thread.is_alive()


def test_gpu_snapshot_of_the_cpu_is_empty() -> None:
    assert gpu_snapshot("cpu") == {
        "gpu_name": None,
        "gpu_memory_used_bytes": None,
        "gpu_memory_total_bytes": None,
        "gpu_utilization": None,
    }
