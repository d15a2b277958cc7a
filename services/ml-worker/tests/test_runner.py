"""The Runner with the tiny engine and a real local object store: publishing in the background returns
as soon as the GPU work is done, keeps the lease alive until `complete`, and hands failures back."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from zimage_common.objects import LocalObjectStore
from zimage_worker.engine import TinyEngine
from zimage_worker.image_service import ClaimedTask
from zimage_worker.imaging import read_png_params
from zimage_worker.runner import Publisher, Runner


class FakeImageService:
    """Records what the worker reports, in order, with the time of each call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, float]] = []
        self.completed: dict[str, dict[str, Any]] = {}
        self.failed: dict[str, tuple[str, bool]] = {}
        self.lock = threading.Lock()

    def _log(self, what: str, task: Any) -> None:
        with self.lock:
            self.calls.append((what, str(task.task_id), time.monotonic()))

    def new_task(self, size: int = 256, prompt: str = "a red fox") -> ClaimedTask:
        return ClaimedTask(
            task_id=uuid.uuid4(),
            user_id=uuid.UUID(int=7),
            attempt=1,
            prompt=prompt,
            negative_prompt=None,
            width=size,
            height=size,
            generation_width=size,
            generation_height=size,
            num_images=1,
            seed=3,
            steps=2,
            guidance_scale=0.0,
            lease_seconds=20.0,
        )

    def claim(self, task_id: str, worker: str) -> ClaimedTask:
        return self.tasks[task_id]

    def heartbeat(self, task: Any, step: int | None = None, total: int | None = None) -> bool:
        self._log("heartbeat", task)
        return False

    def complete(self, task: Any, **report: Any) -> None:
        self._log("complete", task)
        self.completed[str(task.task_id)] = report

    def fail(self, task: Any, error: str, *, retryable: bool, **_: Any) -> None:
        self._log("fail", task)
        self.failed[str(task.task_id)] = (error, retryable)

    def canceled(self, task: Any) -> None:
        self._log("canceled", task)

    def close(self) -> None:
        with self.lock:
            self.calls.append(("close", "", time.monotonic()))


class SlowStore(LocalObjectStore):
    """A local store whose uploads wait for `gate` (when set), sleep `delay` seconds, or fail."""

    delay = 0.0
    error: Exception | None = None
    gate: threading.Event | None = None

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        import asyncio

        if self.gate is not None:
            await asyncio.to_thread(self.gate.wait, 30)
        await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error
        await super().put(key, data, content_type)


@pytest.fixture
def service() -> FakeImageService:
    svc = FakeImageService()
    svc.tasks = {}  # type: ignore[attr-defined]
    return svc


@pytest.fixture
def store(tmp_path: Path) -> SlowStore:
    return SlowStore(tmp_path / "objects", signing_secret="test-secret-test-secret", public_base_url="http://x")


def add(service: FakeImageService, **kw: Any) -> str:
    task = service.new_task(**kw)
    service.tasks[str(task.task_id)] = task  # type: ignore[attr-defined]
    return str(task.task_id)


def test_without_a_publisher_the_task_returns_completed(
    tiny_engine: TinyEngine, store: SlowStore, service: FakeImageService
) -> None:
    runner = Runner(tiny_engine, store, service, heartbeat_seconds=0.05)  # type: ignore[arg-type]
    tid = add(service)
    assert runner.run(tid).status == "completed"
    report = service.completed[tid]
    assert [img["index"] for img in report["images"]] == [0]
    assert (store.root / report["images"][0]["png_key"]).exists()


def test_background_publishing_returns_before_the_images_are_stored(
    tiny_engine: TinyEngine, store: SlowStore, service: FakeImageService
) -> None:
    store.gate = threading.Event()
    publisher = Publisher(max_pending=2)
    runner = Runner(tiny_engine, store, service, heartbeat_seconds=0.02, publisher=publisher)  # type: ignore[arg-type]
    tid = add(service, prompt="눈 덮인 숲속의 붉은 여우")
    assert runner.run(tid).status == "publishing"
    returned = time.monotonic()
    assert tid not in service.completed
    time.sleep(0.3)  # the upload is held: the lease must still be renewed
    beats_while_uploading = [at for what, task, at in service.calls if task == tid and what == "heartbeat"]
    assert any(at > returned for at in beats_while_uploading)
    store.gate.set()
    assert publisher.drain(timeout=30)
    report = service.completed[tid]
    png = (store.root / report["images"][0]["png_key"]).read_bytes()
    assert read_png_params(png)["prompt"] == "눈 덮인 숲속의 붉은 여우"
    done_at = next(at for what, task, at in service.calls if task == tid and what == "complete")
    assert not any(what == "heartbeat" and at > done_at for what, task, at in service.calls if task == tid)


def test_publications_in_flight_are_bounded_and_drained_on_close(
    tiny_engine: TinyEngine, store: SlowStore, service: FakeImageService
) -> None:
    store.gate = threading.Event()
    runner = Runner(tiny_engine, store, service, publisher=Publisher(max_pending=2))  # type: ignore[arg-type]
    ids = [add(service) for _ in range(3)]
    assert [runner.run(tid).status for tid in ids[:2]] == ["publishing", "publishing"]
    third = threading.Thread(target=runner.run, args=(ids[2],))
    third.start()
    third.join(timeout=1.0)
    assert third.is_alive()  # both slots are taken: the third task waits (inside its Celery time limit)
    store.gate.set()
    third.join(timeout=30)
    runner.close(timeout=30)
    assert set(service.completed) == set(ids)
    assert service.calls[-1][0] == "close"  # the client closes only after the last report


def test_a_failed_upload_hands_the_task_back_for_a_retry(
    tiny_engine: TinyEngine, store: SlowStore, service: FakeImageService
) -> None:
    store.error = OSError("disk full")
    publisher = Publisher()
    runner = Runner(tiny_engine, store, service, publisher=publisher)  # type: ignore[arg-type]
    tid = add(service)
    assert runner.run(tid).status == "publishing"
    assert publisher.drain(timeout=30)
    assert tid not in service.completed
    error, retryable = service.failed[tid]
    assert retryable and "disk full" in error


def test_a_hung_upload_is_abandoned_after_the_publish_timeout(
    tiny_engine: TinyEngine, store: SlowStore, service: FakeImageService
) -> None:
    store.delay = 30
    publisher = Publisher()
    runner = Runner(tiny_engine, store, service, heartbeat_seconds=0.05, publisher=publisher, publish_timeout=0.3)  # type: ignore[arg-type]
    tid = add(service)
    runner.run(tid)
    assert publisher.drain(timeout=10)
    assert service.failed[tid][1] is True
    last_beat = max(at for what, task, at in service.calls if task == tid and what == "heartbeat")
    time.sleep(0.2)  # the heartbeat stopped: the lease runs out if the failure report was lost too
    assert max(at for what, task, at in service.calls if task == tid and what == "heartbeat") == last_beat


def test_publisher_threads_run_at_lower_priority() -> None:
    import os

    publisher = Publisher()
    nice = publisher.submit(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())).result()
    assert nice >= os.getpriority(os.PRIO_PROCESS, 0) + 10 or nice == 19
    assert publisher.drain(5)
