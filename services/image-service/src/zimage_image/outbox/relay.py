"""Publishes outbox rows to the queue (at-least-once) and republishes tasks that went quiet."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import timedelta
from typing import Any

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.db import Database, after_commit, utcnow
from zimage_common.errors import ServiceUnavailable
from zimage_common.events import EventBus
from zimage_common.queue import JobQueue

from zimage_image import metrics
from zimage_image.config import Settings
from zimage_image.gallery_client import GalleryClient
from zimage_image.tasks import repository as repo
from zimage_image.tasks import service

log = structlog.get_logger("zimage.relay")


class Relay:
    def __init__(
        self, db: Database, queue: JobQueue, bus: EventBus, settings: Settings, gallery: GalleryClient | None = None
    ) -> None:
        self.db = db
        self.queue = queue
        self.gallery = gallery
        self.bus = bus
        self.settings = settings
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def wake_after_commit(self, session: AsyncSession) -> None:
        async def wake() -> None:
            self._wake.set()

        after_commit(session, wake)

    async def deliver(self, topic: str, payload: dict[str, Any]) -> None:
        if topic == repo.GENERATE_TOPIC:
            await self.queue.publish_generation(payload["task_id"])
        elif topic == repo.GALLERY_TOPIC:
            if self.gallery is None:
                raise ServiceUnavailable("gallery-service is not configured")
            await self.gallery.ingest(payload["images"])
        else:
            raise ValueError(f"unknown outbox topic {topic!r}")

    async def publish_pending(self) -> int:
        """One pass over unpublished outbox rows; returns how many were delivered.

        A topic whose destination is down is skipped for the rest of the pass, so the gallery being
        down never holds up the generation queue (and the other way round)."""
        async with self.db.unit_of_work() as session:
            messages = [(m.id, m.topic, m.payload) for m in await repo.unpublished_outbox(session)]
        published = 0
        down: set[str] = set()
        for message_id, topic, payload in messages:
            if topic in down:
                continue
            try:
                await self.deliver(topic, payload)
            except (ServiceUnavailable, httpx.HTTPError) as exc:
                log.warning("outbox_delivery_failed", topic=topic, error=str(exc))
                down.add(topic)
                async with self.db.unit_of_work() as session:
                    await repo.note_outbox_failure(session, message_id)
                continue
            async with self.db.unit_of_work() as session:
                task_id = uuid.UUID(payload["task_id"]) if topic == repo.GENERATE_TOPIC else None
                await repo.mark_outbox_published(session, message_id, task_id, utcnow())
            published += 1
        return published

    async def sweep(self) -> None:
        """Republish pending tasks nobody took and tasks whose worker stopped renewing its lease."""
        depth = await self.queue.depth()
        now = utcnow()
        stale_before = now - timedelta(seconds=self.settings.republish_after_seconds)
        async with self.db.unit_of_work() as session:
            stale = list(await repo.stale_pending(session, stale_before))
            if stale and depth is not None and depth >= await repo.pending_count(session):
                stale = []  # every pending task can still have its message waiting: a backlog, not a loss
            for task in await repo.expired_leases(session, now - timedelta(seconds=self.settings.lease_seconds)):
                if task.attempts >= self.settings.max_attempts:
                    await service.give_up(session, self.bus, task, now)
                elif task.published_at is None or task.published_at < stale_before:
                    stale.append(task.id)
            for task_id in stale:
                await repo.add_outbox(session, task_id)
            await repo.mark_republished(session, stale, now)
            await repo.purge_outbox(session, now - timedelta(days=1))
        if stale:
            log.info("tasks_republished", count=len(stale))
            self._wake.set()

    async def _relay_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.settings.relay_interval_seconds)
            self._wake.clear()
            try:
                await self.publish_pending()
            except Exception:  # the database may be down; keep trying
                log.exception("relay_pass_failed")

    async def _sweep_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.sweep_interval_seconds)
            try:
                await self.sweep()
            except Exception:
                log.exception("sweep_failed")
            try:
                await metrics.observe_backlog(self.db, self.queue)
            except Exception:  # the gauges keep their last values; metrics never stop the sweeper
                log.warning("backlog_metrics_failed", exc_info=True)

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._relay_loop()), asyncio.create_task(self._sweep_loop())]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
