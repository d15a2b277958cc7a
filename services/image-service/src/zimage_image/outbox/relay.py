"""Publishes outbox rows to the queue (at-least-once) and republishes tasks that went quiet."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession
from zimage_common.db import Database, after_commit, utcnow
from zimage_common.errors import ServiceUnavailable
from zimage_common.events import EventBus
from zimage_common.queue import JobQueue

from zimage_image.config import Settings
from zimage_image.tasks import repository as repo
from zimage_image.tasks import service

log = structlog.get_logger("zimage.relay")


class Relay:
    def __init__(self, db: Database, queue: JobQueue, bus: EventBus, settings: Settings) -> None:
        self.db = db
        self.queue = queue
        self.bus = bus
        self.settings = settings
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def wake_after_commit(self, session: AsyncSession) -> None:
        async def wake() -> None:
            self._wake.set()

        after_commit(session, wake)

    async def publish_pending(self) -> int:
        """One pass over unpublished outbox rows; returns how many were published."""
        async with self.db.unit_of_work() as session:
            messages = [(m.id, m.payload["task_id"]) for m in await repo.unpublished_outbox(session)]
        published = 0
        for message_id, task_id in messages:
            try:
                await self.queue.publish_generation(task_id)
            except ServiceUnavailable:
                log.warning("outbox_publish_failed", task_id=task_id)
                async with self.db.unit_of_work() as session:
                    await repo.note_outbox_failure(session, message_id)
                break
            async with self.db.unit_of_work() as session:
                await repo.mark_outbox_published(session, message_id, uuid.UUID(task_id), utcnow())
            published += 1
        return published

    async def sweep(self) -> None:
        """Republish pending tasks nobody took and tasks whose worker stopped renewing its lease."""
        now = utcnow()
        stale_before = now - timedelta(seconds=self.settings.republish_after_seconds)
        async with self.db.unit_of_work() as session:
            stale = list(await repo.stale_pending(session, stale_before))
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

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._relay_loop()), asyncio.create_task(self._sweep_loop())]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
