"""image-service: generation tasks, quotas, progress stream, OpenAI-compatible endpoint. Composition root."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from zimage_common.audit import RemoteAuditLog
from zimage_common.db import Database
from zimage_common.events import event_bus_for
from zimage_common.objects import object_download_router
from zimage_common.observability import configure_logging
from zimage_common.queue import CeleryJobQueue, JobQueue, make_celery
from zimage_common.service import ReadinessCheck, create_service_app
from zimage_common.tokens import RemoteJWKS, TokenVerifier, revocations_for

from zimage_image.config import Settings
from zimage_image.gallery_client import GalleryClient
from zimage_image.internal.router import router as internal_router
from zimage_image.openai_compat.router import router as openai_router
from zimage_image.outbox.relay import Relay
from zimage_image.quotas.router import router as quotas_router
from zimage_image.stats.router import internal_router as usage_router
from zimage_image.stats.router import router as stats_router
from zimage_image.system.router import router as system_router
from zimage_image.tasks.router import router as tasks_router
from zimage_image.workers.router import internal_router as workers_router


def create_app(settings: Settings | None = None, queue: JobQueue | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(json_logs=settings.json_logs, level=settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.db = Database(settings.resolved_database_url(), settings.database_schema)
        app.state.bus = event_bus_for(settings.redis_url)
        app.state.store = settings.object_store()
        app.state.queue = queue or CeleryJobQueue(make_celery("zimage-image", settings.broker_url, settings.data_dir))
        revocations = revocations_for(settings.redis_url, settings.data_dir)
        app.state.verifier = TokenVerifier(
            RemoteJWKS(settings.jwks_url), revocations, issuer=settings.jwt_issuer, audience=settings.jwt_audience
        )
        app.state.gallery = GalleryClient(settings.gallery_service_url, settings.internal_token)
        app.state.audit = RemoteAuditLog(settings.auth_service_url, settings.internal_token)
        app.state.relay = Relay(app.state.db, app.state.queue, app.state.bus, settings, app.state.gallery)
        app.state.relay.start()
        try:
            yield
        finally:
            await app.state.relay.stop()
            await app.state.gallery.close()
            await app.state.audit.close()
            await app.state.queue.close()
            await app.state.bus.close()
            await revocations.close()
            await app.state.db.dispose()

    def readiness(a: FastAPI) -> dict[str, ReadinessCheck]:
        return {"database": a.state.db.ping, "events": a.state.bus.ping, "objects": a.state.store.ping}

    app = create_service_app("image-service", lifespan=lifespan, docs=not settings.production, readiness=readiness)
    app.state.readiness_checks = lambda: readiness(app)  # the admin system page runs them in-process
    app.include_router(tasks_router)
    app.include_router(openai_router)
    app.include_router(quotas_router)
    app.include_router(stats_router)
    app.include_router(system_router)
    app.include_router(internal_router)
    app.include_router(usage_router)
    app.include_router(workers_router)
    app.include_router(object_download_router(lambda: app.state.store))
    return app
