from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import DeclarativeBase
from zimage_common.db import new_metadata
from zimage_common.migrations import MigrationTarget

from zimage_gallery.config import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


class Base(DeclarativeBase):
    metadata = new_metadata()


def migration_target(settings: Settings) -> MigrationTarget:
    return MigrationTarget("gallery", MIGRATIONS_DIR, settings.resolved_database_url(), settings.database_schema)
