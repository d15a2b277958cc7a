"""The hand-written migration creates exactly the models' schema and removes it again, on both backends."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from zimage_auth.audit import models as _audit_models  # noqa: F401 - registers the table
from zimage_auth.config import Settings
from zimage_auth.database import Base, migration_target
from zimage_auth.password_resets import models as _password_resets_models  # noqa: F401 - registers the table
from zimage_auth.sessions import models as _sessions_models  # noqa: F401 - registers the table
from zimage_auth.users import models as _users_models  # noqa: F401 - registers the table
from zimage_common.db import Database
from zimage_common.migrations import downgrade, upgrade

APP_TABLES = {"users", "refresh_tokens", "audit_log", "password_resets"}


def _inspect(settings: Settings, version_table: str) -> tuple[set[str], list[Any]]:
    """(tables in the service's schema other than Alembic's, differences between models and schema)."""

    def read(conn: Connection) -> tuple[set[str], list[Any]]:
        tables = set(inspect(conn).get_table_names(schema=settings.database_schema)) - {version_table}
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_name": lambda name, kind, _: not (kind == "table" and name == version_table),
            },
        )
        return tables, list(compare_metadata(context, Base.metadata)) if tables else []

    async def run() -> tuple[set[str], list[Any]]:
        database = Database(settings.resolved_database_url(), settings.database_schema)
        try:
            async with database.engine.connect() as conn:
                return await conn.run_sync(read)
        finally:
            await database.dispose()

    return asyncio.run(run())


def test_upgrade_from_empty_and_downgrade_to_base(settings: Settings) -> None:
    target = migration_target(settings)
    # Other modules of this run may have migrated the shared PostgreSQL schema already.
    downgrade(target)
    assert _inspect(settings, target.version_table)[0] == set()

    upgrade(target)
    tables, differences = _inspect(settings, target.version_table)
    assert tables == APP_TABLES
    assert differences == [], f"models and migration disagree: {differences}"

    downgrade(target)
    assert _inspect(settings, target.version_table)[0] == set()

    upgrade(target)  # leave the schema as the rest of the run expects it
    assert _inspect(settings, target.version_table)[0] == APP_TABLES


def test_migration_target_names_the_service(settings: Settings) -> None:
    target = migration_target(settings)
    assert target.version_table == "alembic_version_auth"
    assert (target.script_location / "env.py").is_file()
    assert target.schema == ("auth" if settings.database_url else None)
