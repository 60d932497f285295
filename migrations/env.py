"""Alembic environment (async template). The URL comes from the caller or DATABASE_URL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from server.core.database import translate_url
from server.core.migrate import (
    MigrationTimeouts,
    migration_timeouts_named,
    take_migration_lock,
)
from server.core.settings import load_settings
from server.core.tables import metadata

config = context.config
target_metadata = metadata


def _database_url() -> str:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if url:
        return str(url)
    settings = load_settings()
    if settings.database_url is None:
        raise SystemExit(
            "DATABASE_URL is not set; use `effect-models migrate` for the embedded database"
        )
    return settings.database_url


def _include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    # pg_trgm and other extensions own objects we do not model.
    return not (
        type_ == "table" and reflected and compare_to is None and name not in metadata.tables
    )


def _timeouts() -> MigrationTimeouts:
    timeouts = config.attributes.get("migration_timeouts")
    if isinstance(timeouts, MigrationTimeouts):
        return timeouts
    return MigrationTimeouts.from_settings(load_settings())  # the `alembic` command line


def do_run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include_object,
        compare_server_default=False,
    )
    timeouts = _timeouts()
    # One transaction for all pending migrations (Alembic's default), the lock taken first.
    with context.begin_transaction():
        take_migration_lock(connection, timeouts)
        with migration_timeouts_named(timeouts):
            context.run_migrations()


async def run_async_migrations() -> None:
    translated = translate_url(_database_url())
    engine = create_async_engine(
        translated.sqlalchemy_url, poolclass=pool.NullPool, connect_args=translated.connect_args
    )
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        do_run_migrations(connection)
    else:
        asyncio.run(run_async_migrations())


if context.is_offline_mode():
    context.configure(url=_database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
