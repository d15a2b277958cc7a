"""The hand-written migration creates exactly the models' schema and removes it again, on both backends."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from zimage_auth.audit import models as _audit_models  # noqa: F401 - registers the table
from zimage_auth.config import Settings
from zimage_auth.database import Base, migration_target
from zimage_auth.password_resets import models as _password_resets_models
from zimage_auth.sessions import models as _sessions_models
from zimage_auth.users import models as _users_models
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


def test_reviewer_role_migration_keeps_sessions_and_resets(settings: Settings) -> None:
    """0003 widens users.role; on SQLite it rebuilds `users`, which must not take the rows that cascade from it."""
    target = migration_target(settings)
    downgrade(target)
    upgrade(target, "0002")
    user_id, now = uuid.uuid4(), datetime.now(UTC)
    jti = uuid.uuid4()
    _execute(
        settings,
        sa.insert(_users_models.User.__table__).values(
            id=user_id,
            email="m@example.com",
            display_name="M",
            password_hash="x",
            role="user",
            is_active=True,
            created_at=now,
            updated_at=now,
        ),
        sa.insert(_sessions_models.RefreshToken.__table__).values(
            jti=jti, family_id=jti, user_id=user_id, issued_at=now, expires_at=now, family_expires_at=now
        ),
        sa.insert(_password_resets_models.PasswordReset.__table__).values(
            id=jti, user_id=user_id, token_hash="h", created_by=user_id, created_at=now, expires_at=now
        ),
    )
    with pytest.raises(sa.exc.IntegrityError):
        _execute(settings, sa.text("UPDATE users SET role = 'reviewer'"))

    upgrade(target)
    _execute(settings, sa.text("UPDATE users SET role = 'reviewer'"))
    counts = _execute(
        settings,
        sa.text(
            "SELECT (SELECT count(*) FROM refresh_tokens), (SELECT count(*) FROM password_resets), "
            "(SELECT role FROM users)"
        ),
    )
    assert counts == [(1, 1, "reviewer")]
    with pytest.raises(sa.exc.IntegrityError):
        _execute(settings, sa.text("UPDATE users SET role = 'owner'"))
    assert _inspect(settings, target.version_table)[1] == []

    downgrade(target, "0002")  # reviewers become users; the sessions stay
    assert _execute(settings, sa.text("SELECT role, (SELECT count(*) FROM refresh_tokens) FROM users")) == [("user", 1)]
    downgrade(target)
    upgrade(target)  # leave the schema as the rest of the run expects it


def _execute(settings: Settings, *statements: Any) -> list[Any]:
    async def run() -> list[Any]:
        database = Database(settings.resolved_database_url(), settings.database_schema)
        try:
            async with database.engine.begin() as conn:
                result = None
                for statement in statements:
                    result = await conn.execute(statement)
                return list(result.all()) if result is not None and result.returns_rows else []
        finally:
            await database.dispose()

    return asyncio.run(run())
