"""gallery-service: images' metadata, folders, tags, favourites, search, templates, presets, exports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from zimage_common.audit import RemoteAuditLog
from zimage_common.db import Database
from zimage_common.observability import configure_logging
from zimage_common.service import create_service_app
from zimage_common.tokens import RemoteJWKS, TokenVerifier, revocations_for

from zimage_gallery.brand_kits.router import router as brand_kits_router
from zimage_gallery.campaigns.router import router as campaigns_router
from zimage_gallery.config import Settings
from zimage_gallery.exports.router import router as exports_router
from zimage_gallery.folders.router import router as folders_router
from zimage_gallery.image_overlays.router import router as image_overlays_router
from zimage_gallery.images.router import router as images_router
from zimage_gallery.internal.router import router as internal_router
from zimage_gallery.presets.router import router as presets_router
from zimage_gallery.provenance.c2pa_signing import signer_for
from zimage_gallery.reconciler.periodic import PeriodicReconciler
from zimage_gallery.reviews.router import router as reviews_router
from zimage_gallery.tags.router import router as tags_router
from zimage_gallery.templates.router import router as templates_router


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(json_logs=settings.json_logs, level=settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.db = Database(settings.resolved_database_url(), settings.database_schema)
        app.state.store = settings.object_store()
        app.state.signer = signer_for(settings)
        revocations = revocations_for(settings.redis_url, settings.data_dir)
        app.state.verifier = TokenVerifier(
            RemoteJWKS(settings.jwks_url), revocations, issuer=settings.jwt_issuer, audience=settings.jwt_audience
        )
        app.state.audit = RemoteAuditLog(settings.auth_service_url, settings.internal_token)
        app.state.reconciler = PeriodicReconciler(app.state.db, app.state.store, settings)
        app.state.reconciler.start()
        try:
            yield
        finally:
            await app.state.audit.close()
            await app.state.reconciler.stop()
            await revocations.close()
            await app.state.db.dispose()

    app = create_service_app(
        "gallery-service",
        lifespan=lifespan,
        docs=not settings.production,
        readiness=lambda a: {"database": a.state.db.ping, "objects": a.state.store.ping},
    )
    for router in (
        images_router,
        folders_router,
        tags_router,
        exports_router,
        image_overlays_router,
        reviews_router,
        campaigns_router,
        templates_router,
        presets_router,
        brand_kits_router,
        internal_router,
    ):
        app.include_router(router)
    return app
