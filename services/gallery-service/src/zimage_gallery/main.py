"""gallery-service: health endpoints only until its issue fills it."""

from __future__ import annotations

from fastapi import FastAPI
from zimage_common.observability import configure_logging
from zimage_common.service import create_service_app

from zimage_gallery.config import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(json_logs=settings.json_logs, level=settings.log_level)
    app = create_service_app("gallery-service", docs=not settings.production)
    app.state.settings = settings
    return app
