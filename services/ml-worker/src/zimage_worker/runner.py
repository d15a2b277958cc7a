"""One generation task from claim to report: the code path the Celery task calls."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import structlog
from PIL import Image
from zimage_common.errors import ServiceUnavailable
from zimage_common.objects import ObjectStore

from zimage_worker.engine import Engine, GenerationCanceled, GenerationRequest, ModelNotAvailable, image_seeds
from zimage_worker.image_service import ClaimedTask, ClaimLost, ClaimRefused, ImageServiceClient
from zimage_worker.imaging import encode_png, encode_thumbnail_webp, fit_to_exact
from zimage_worker.png import lower_thread_priority

log = structlog.get_logger("zimage.worker")
CRASH_MARKER = "[[crash-worker]]"  # fault injection only: see WORKER_FAULT_INJECTION
# An unreachable object store is waited out in place (the lease is held meanwhile) rather than costing
# the task one of its 3 attempts per failed upload; past this many seconds the upload fails the attempt.
UPLOAD_RETRY_SECONDS = 120.0


class RetryLater(Exception):
    def __init__(self, seconds: float, reason: str) -> None:
        super().__init__(reason)
        self.seconds = seconds


@dataclass
class Outcome:
    status: str  # completed | publishing (handed to the Publisher) | canceled | failed | skipped | superseded
    detail: str = ""


def object_keys(task: ClaimedTask, index: int) -> tuple[str, str]:
    """Deterministic keys: a redelivered task overwrites the same objects."""
    base = f"{task.user_id}/{task.task_id}/{index}"
    return f"{base}.png", f"{base}.thumb.webp"


class Heartbeat:
    """Renews the task's lease and carries step progress from a side thread, off the denoising loop."""

    def __init__(self, client: ImageServiceClient, task: ClaimedTask, period: float) -> None:
        self.client = client
        self.task = task
        self.period = period
        self.cancel_requested = False
        self.lost = False
        self._step: tuple[int, int] | None = None
        self._sent_step: tuple[int, int] | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{task.task_id}", daemon=True)

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop renewing; the lease then runs out by itself unless the task is reported first."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)

    def on_step(self, step: int, total: int) -> None:
        self._step = (step, total)
        self._wake.set()

    def should_cancel(self) -> bool:
        return self.cancel_requested or self.lost

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=self.period)
            self._wake.clear()
            if self._stop.is_set():
                break
            step = self._step
            try:
                fresh = step if step != self._sent_step else None
                cancel = self.client.heartbeat(self.task, *(fresh or (None, None)))
                self._sent_step = step
                self.cancel_requested = self.cancel_requested or cancel
            except ClaimLost:
                self.lost = True
                return
            except Exception as exc:  # a missed heartbeat is survivable; the lease is several periods long
                log.warning("heartbeat_failed", task_id=str(self.task.task_id), error=str(exc))


class Publisher:
    """Runs finished generations' publishing (encode, upload, `complete`) on background threads.

    At most `max_pending` publications are in flight; `submit` waits for a free slot (inside the Celery
    task, under its time limits), so a slow object store slows the queue instead of piling up images.
    """

    def __init__(self, max_pending: int = 2) -> None:
        self.max_pending = max_pending
        self._slots = threading.BoundedSemaphore(max_pending)
        # Niced: the threads it starts (encoding, upload) inherit the lower priority, so the GPU's feeder
        # thread keeps its core (measured on an H200: GPU time per image +5 % with them at normal priority).
        self._pool = ThreadPoolExecutor(
            max_workers=max_pending, thread_name_prefix="publish", initializer=lower_thread_priority
        )
        self._lock = threading.Lock()
        self._in_flight: set[Future[Any]] = set()

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._in_flight)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        self._slots.acquire()
        try:
            future = self._pool.submit(fn, *args)
        except BaseException:
            self._slots.release()
            raise
        with self._lock:
            self._in_flight.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: Future[Any]) -> None:
        with self._lock:
            self._in_flight.discard(future)
        self._slots.release()

    def drain(self, timeout: float | None = None) -> bool:
        """Wait for every publication in flight; False if some are still running after `timeout`."""
        with self._lock:
            in_flight = set(self._in_flight)
        _, not_done = wait(in_flight, timeout=timeout)
        return not not_done


class Runner:
    def __init__(
        self,
        engine: Engine,
        store: ObjectStore,
        client: ImageServiceClient,
        *,
        heartbeat_seconds: float = 2.0,
        fault_injection: bool = False,
        fault_step_delay: float = 0.0,
        publisher: Publisher | None = None,
        publish_timeout: float = 300.0,
    ) -> None:
        self.engine = engine
        self.publisher = publisher
        self.publish_timeout = publish_timeout
        self.store = store
        self.client = client
        self.heartbeat_seconds = heartbeat_seconds
        self.fault_injection = fault_injection
        self.fault_step_delay = fault_step_delay
        self.worker_name = f"{socket.gethostname()}:{os.getpid()}"

    def run(self, task_id: str) -> Outcome:
        """Claim, generate, then publish (encode, upload, report `complete`). With a `Publisher` the
        publishing runs on its background threads and this returns `publishing` as soon as the GPU work
        is done, so the next task's generation starts at once; the lease heartbeat runs until the report
        is sent, and image-service's lease and sweeper retry the task if this process dies first."""
        claimed = self.client.claim(task_id, self.worker_name)
        if isinstance(claimed, ClaimRefused):
            if claimed.retry_after is not None:
                raise RetryLater(claimed.retry_after, claimed.reason)
            return Outcome("skipped", claimed.reason)
        task = claimed
        bound = log.bind(task_id=task_id, attempt=task.attempt)
        bound.info("task_claimed", size=f"{task.generation_width}x{task.generation_height}", n=task.num_images)
        if self.fault_injection and CRASH_MARKER in task.prompt:
            os.kill(os.getpid(), signal.SIGKILL)  # a poison task: dies like an out-of-memory kill would
        beat = Heartbeat(self.client, task, self.heartbeat_seconds).start()
        try:
            outcome = self._generate(task, beat, bound)
        except BaseException:
            beat.stop()
            raise
        if isinstance(outcome, Outcome):
            beat.stop()
            return outcome
        images, engine_seconds = outcome
        if self.publisher is None:
            return self._finish(task, images, engine_seconds, beat, bound)
        self.publisher.submit(self._finish_in_background, task, images, engine_seconds, beat, bound)
        return Outcome("publishing")

    def _generate(self, task: ClaimedTask, beat: Heartbeat, bound: Any) -> Outcome | tuple[list[Image.Image], float]:
        on_step = beat.on_step
        if self.fault_injection and self.fault_step_delay:

            def on_step(step: int, total: int) -> None:
                beat.on_step(step, total)
                time.sleep(self.fault_step_delay)

        request = GenerationRequest(
            prompt=task.prompt,
            negative_prompt=task.negative_prompt or "",
            width=task.generation_width,
            height=task.generation_height,
            num_images=task.num_images,
            seed=task.seed,
            steps=task.steps,
            guidance_scale=task.guidance_scale,
        )
        started = time.perf_counter()
        try:
            images = self.engine.generate(request, on_step=on_step, should_cancel=beat.should_cancel)
        except GenerationCanceled:
            if beat.lost:
                return Outcome("superseded", "another attempt owns the task")
            self.client.canceled(task)
            bound.info("task_canceled")
            return Outcome("canceled")
        except (ModelNotAvailable, ValueError) as exc:
            self.client.fail(task, str(exc), retryable=False, engine=self.engine.name, model=self.engine.model_id)
            return Outcome("failed", str(exc))
        except Exception as exc:
            bound.exception("generation_failed")
            self.client.fail(
                task,
                f"Generation failed: {type(exc).__name__}: {exc}",
                retryable=True,
                engine=self.engine.name,
                model=self.engine.model_id,
            )
            return Outcome("failed", str(exc))
        return images, time.perf_counter() - started

    def _finish(
        self,
        task: ClaimedTask,
        images: list[Image.Image],
        engine_seconds: float,
        beat: Heartbeat,
        bound: Any,
        timeout: float | None = None,
    ) -> Outcome:
        """Encode and upload the images (heartbeat still running), then report `complete`."""
        try:
            reports = asyncio.run(asyncio.wait_for(self._publish(task, images), timeout))
            if beat.lost:
                return Outcome("superseded", "another attempt owns the task")
        finally:
            beat.stop()
        try:
            self.client.complete(
                task,
                engine=self.engine.name,
                model=self.engine.model_id,
                gpu_seconds=round(engine_seconds, 3),
                images=reports,
            )
        except ClaimLost as exc:
            return Outcome("superseded", str(exc))
        bound.info("task_completed", engine_seconds=round(engine_seconds, 3))
        return Outcome("completed")

    def _finish_in_background(
        self, task: ClaimedTask, images: list[Image.Image], engine_seconds: float, beat: Heartbeat, bound: Any
    ) -> Outcome:
        """`_finish` on a publisher thread, where no Celery time limit applies: bounded by
        `publish_timeout`; on any failure the task is handed back for a retry (or, if image-service is
        unreachable too, its lease runs out and the sweeper republishes it)."""
        try:
            return self._finish(task, images, engine_seconds, beat, bound, timeout=self.publish_timeout)
        except Exception as exc:
            bound.exception("publish_failed")
            try:
                self.client.fail(
                    task,
                    f"Storing the images failed: {type(exc).__name__}: {exc}",
                    retryable=True,
                    engine=self.engine.name,
                    model=self.engine.model_id,
                )
            except Exception:
                bound.warning("publish_failure_not_reported", exc_info=True)
            return Outcome("failed", str(exc))

    def close(self, timeout: float = 60.0) -> None:
        """Finish the publications in flight (worker shutdown, a pool process being recycled), then close
        the client."""
        if self.publisher is not None and not self.publisher.drain(timeout):
            log.warning("publications_left_unfinished", pending=self.publisher.pending)
        self.client.close()

    async def _publish(self, task: ClaimedTask, images: list[Image.Image]) -> list[dict[str, Any]]:
        """Crop to the exact pixels, encode and upload every image concurrently, off the event loop."""

        async def one(index: int, image: Image.Image) -> dict[str, Any]:
            # The PNG and the thumbnail encode on two threads at once (both release the GIL).
            exact = await asyncio.to_thread(fit_to_exact, image, task.width, task.height)
            png, thumb = await asyncio.gather(
                asyncio.to_thread(encode_png, exact, self._params(task, index)),
                asyncio.to_thread(encode_thumbnail_webp, exact),
            )
            size = exact.size
            png_key, thumb_key = object_keys(task, index)
            await asyncio.gather(self._put(png_key, png, "image/png"), self._put(thumb_key, thumb, "image/webp"))
            return {
                "index": index,
                "seed": image_seeds(task.seed, task.num_images)[index],
                "width": size[0],
                "height": size[1],
                "png_key": png_key,
                "thumb_key": thumb_key,
                "png_bytes": len(png),
            }

        return list(await asyncio.gather(*(one(i, img) for i, img in enumerate(images))))

    async def _put(self, key: str, data: bytes, content_type: str) -> None:
        """Store one object, retrying with exponential backoff (0.5 s doubling to 8 s) while the store is
        unavailable, for up to UPLOAD_RETRY_SECONDS."""
        deadline = time.monotonic() + UPLOAD_RETRY_SECONDS
        delay = 0.5
        while True:
            try:
                await self.store.put(key, data, content_type)
                return
            except ServiceUnavailable as exc:
                if time.monotonic() + delay > deadline:
                    raise
                log.warning("object_store_retry", key=key, retry_in_seconds=delay, error=str(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 8.0)

    def _params(self, task: ClaimedTask, index: int) -> dict[str, Any]:
        return {
            "prompt": task.prompt,
            "negative_prompt": task.negative_prompt or "",
            "seed": image_seeds(task.seed, task.num_images)[index],
            "steps": task.steps,
            "guidance_scale": task.guidance_scale,
            "width": task.width,
            "height": task.height,
            "generation_width": task.generation_width,
            "generation_height": task.generation_height,
            "model": self.engine.model_id,
            "engine": self.engine.name,
            "task_id": str(task.task_id),
            "index": index,
        }
