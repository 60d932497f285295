"""Migrations under an advisory lock: real `effect-models migrate` processes started together
against one empty database, a migrator waiting for the lock holder, and each timeout."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
from alembic import command
from alembic.script import ScriptDirectory

from server.core.database import asyncpg_dsn
from server.core.migrate import (
    MIGRATION_LOCK_KEY,
    MigrationTimeoutError,
    MigrationTimeouts,
    alembic_config,
    upgrade_to_head,
)
from server.core.tables import metadata
from tests.support import services

MIGRATORS = 4


@pytest.fixture
def empty_database(admin_database_url: str) -> Iterator[str]:
    name, url = services.create_database(admin_database_url)
    yield url
    services.drop_database(admin_database_url, name)


@pytest.fixture
async def holder(empty_database: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection of the test's own, to hold locks a migrator must wait for."""
    conn = await asyncpg.connect(asyncpg_dsn(empty_database))
    yield conn
    await conn.close()


def _head() -> str:
    head = ScriptDirectory.from_config(alembic_config("unused")).get_current_head()
    assert head is not None
    return head


def _migrator(url: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "server", "migrate"],
        env={**os.environ, "DATABASE_URL": url, "LOG_FORMAT": "text", "SYNC_CRON": "", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


async def _finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    output, _ = await asyncio.to_thread(proc.communicate, timeout=90)
    return proc.returncode, output


async def _schema_state(url: str) -> tuple[set[str], list[str]]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = {str(r["tablename"]) for r in rows}
        versions: list[str] = []
        if "alembic_version" in tables:
            rows = await conn.fetch("SELECT version_num FROM alembic_version")
            versions = [str(r["version_num"]) for r in rows]
    finally:
        await conn.close()
    return tables, versions


async def _waiting_on_advisory_lock(conn: asyncpg.Connection, seconds: float = 30) -> None:
    """Return once another backend of this database waits for an advisory lock."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        waiting = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
        )
        if waiting:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("no migrator started waiting for the migration lock")


async def test_replicas_migrating_together_all_succeed(empty_database: str) -> None:
    procs = [_migrator(empty_database) for _ in range(MIGRATORS)]
    results = await asyncio.gather(*(_finish(p) for p in procs))
    for returncode, output in results:
        assert returncode == 0, output
    tables, versions = await _schema_state(empty_database)
    assert set(metadata.tables) <= tables
    assert versions == [_head()]


async def test_a_migrator_waits_for_the_lock_holder_then_finds_work_done(
    empty_database: str, holder: asyncpg.Connection
) -> None:
    await holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
    proc = _migrator(empty_database)
    try:
        await _waiting_on_advisory_lock(holder)
        assert (await _schema_state(empty_database))[0] == set()  # nothing ran past the lock
    finally:
        await holder.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
    returncode, output = await _finish(proc)
    assert returncode == 0, output
    assert "another process is migrating this database" in output
    assert (await _schema_state(empty_database))[1] == [_head()]


async def test_the_wait_for_another_migrator_is_bounded(
    empty_database: str, holder: asyncpg.Connection
) -> None:
    await holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
    started = time.monotonic()
    returncode, output = await _finish(_migrator(empty_database, MIGRATION_LOCK_WAIT_MS="500"))
    assert returncode == 1
    assert "MIGRATION_LOCK_WAIT_MS" in output and "MigrationTimeoutError" in output
    assert time.monotonic() - started < 60  # it gave up instead of hanging
    assert (await _schema_state(empty_database))[0] == set()


async def test_a_statement_blocked_by_a_table_lock_gives_up_and_changes_nothing(
    empty_database: str, holder: asyncpg.Connection
) -> None:
    await asyncio.to_thread(upgrade_to_head, empty_database)
    await asyncio.to_thread(command.downgrade, alembic_config(empty_database), "base")
    # A long transaction holds the version table: the migration must not queue behind it.
    transaction = holder.transaction()
    await transaction.start()
    await holder.execute("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE")
    try:
        timeouts = MigrationTimeouts(lock_timeout_ms=300)
        with pytest.raises(MigrationTimeoutError, match="MIGRATION_LOCK_TIMEOUT_MS"):
            await asyncio.to_thread(upgrade_to_head, empty_database, timeouts)
    finally:
        await transaction.rollback()
    assert await _schema_state(empty_database) == ({"alembic_version"}, [])


async def test_migration_statements_run_with_the_configured_bounds(empty_database: str) -> None:
    from sqlalchemy import text

    from server.core.database import create_engine
    from server.core.migrate import take_migration_lock

    engine = create_engine(empty_database, pool_size=1)
    timeouts = MigrationTimeouts(lock_timeout_ms=1234, statement_timeout_ms=56789)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(take_migration_lock, timeouts)
            shown = (await conn.execute(text("SHOW lock_timeout"))).scalar_one()
            statement = (await conn.execute(text("SHOW statement_timeout"))).scalar_one()
            held = (
                await conn.execute(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                        "AND pid = pg_backend_pid()"
                    )
                )
            ).scalar_one()
        assert (shown, statement, held) == ("1234ms", "56789ms", 1)
        async with engine.connect() as conn:  # SET LOCAL and the lock ended with the transaction
            after = (await conn.execute(text("SHOW lock_timeout"))).scalar_one()
        assert after != "1234ms"
    finally:
        await engine.dispose()
