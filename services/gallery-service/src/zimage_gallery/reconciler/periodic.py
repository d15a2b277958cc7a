"""The reconciler as a background task of the service (GALLERY_RECONCILE_INTERVAL_SECONDS; 0 = off)."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import structlog
from zimage_common.db import Database
from zimage_common.objects import ObjectStore

from zimage_gallery.config import Settings
from zimage_gallery.reconciler.service import ReconcileReport, reconcile

log = structlog.get_logger("zimage.gallery.reconciler")


class PeriodicReconciler:
    def __init__(self, db: Database, store: ObjectStore, settings: Settings) -> None:
        self.db = db
        self.store = store
        self.interval = settings.reconcile_interval_seconds
        self.grace = timedelta(hours=settings.reconcile_grace_hours)
        self.last: ReconcileReport | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.interval > 0 and self._task is None:
            self._task = asyncio.create_task(self._run(), name="gallery-reconciler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                self.last = await reconcile(self.db, self.store, grace=self.grace)
            except Exception:  # the next round tries again; a store or database outage must not end the loop
                log.exception("reconcile_failed")
