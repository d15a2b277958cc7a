"""Alembic per service: its own version table, its own PostgreSQL schema, batch mode on SQLite."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection

from zimage_common.db import engine_for, is_sqlite


@dataclass(frozen=True)
class MigrationTarget:
    service: str
    script_location: Path
    url: str
    schema: str | None

    @property
    def version_table(self) -> str:
        return f"alembic_version_{self.service.replace('-', '_')}"

    def config(self) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(self.script_location))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        cfg.attributes["target"] = self
        return cfg


def upgrade(target: MigrationTarget, revision: str = "head") -> None:
    command.upgrade(target.config(), revision)


def downgrade(target: MigrationTarget, revision: str = "base") -> None:
    command.downgrade(target.config(), revision)


def run_env(metadata: MetaData) -> None:
    """Body of each service's migrations/env.py."""
    target: MigrationTarget = context.config.attributes["target"]
    if context.is_offline_mode():
        context.configure(
            url=target.url,
            target_metadata=metadata,
            version_table=target.version_table,
            version_table_schema=target.schema,
            render_as_batch=is_sqlite(target.url),
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_online(target, metadata))


async def _run_online(target: MigrationTarget, metadata: MetaData) -> None:
    engine = engine_for(target.url, target.schema, poolclass=pool.NullPool)
    try:
        async with engine.begin() as conn:
            if target.schema:
                await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{target.schema}"'))
        async with engine.connect() as conn:
            await conn.run_sync(_configure_and_run, target, metadata)
            await conn.commit()
    finally:
        await engine.dispose()


def _configure_and_run(conn: Connection, target: MigrationTarget, metadata: MetaData) -> None:
    context.configure(
        connection=conn,
        target_metadata=metadata,
        version_table=target.version_table,
        version_table_schema=target.schema,
        render_as_batch=conn.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
