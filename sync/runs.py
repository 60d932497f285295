"""The sync_runs lifecycle on the run's dedicated asyncpg connection."""

from __future__ import annotations

from typing import Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information

from sync.bulk import to_json

ABANDONED_MESSAGE = "abandoned: its process died or lost its connection while running"


async def abandon_stale(conn: asyncpg.Connection) -> int:
    """Mark rows still `running` as abandoned. Only call while holding the sync lock:
    holding it proves the owner of any `running` row is gone."""
    status: str = await conn.execute(
        "UPDATE sync_runs SET status = 'abandoned', finished_at = now(), "
        "message = coalesce(message || '; ', '') || $1 WHERE status = 'running'",
        ABANDONED_MESSAGE,
    )
    return int(status.split()[-1])


async def start_run(
    conn: asyncpg.Connection, trigger: str, sources: list[str], replica_id: str
) -> int:
    run_id: int = await conn.fetchval(
        "INSERT INTO sync_runs (trigger, status, sources, replica_id) "
        "VALUES ($1, 'running', $2, $3) RETURNING id",
        trigger,
        sources,
        replica_id,
    )
    return run_id


async def record_source(
    conn: asyncpg.Connection, run_id: int, source: str, stats: dict[str, Any]
) -> None:
    """Persist one source's stats as it finishes (other replicas read progress from here)."""
    await conn.execute(
        "UPDATE sync_runs SET source_stats = "
        "source_stats || jsonb_build_object($2::text, $3::jsonb) WHERE id = $1",
        run_id,
        source,
        to_json(stats),
    )


async def finish_run(
    conn: asyncpg.Connection,
    run_id: int,
    status: str,
    message: str,
    totals: tuple[int, int, int],
) -> None:
    fetched, stored, changed = totals
    await conn.execute(
        "UPDATE sync_runs SET status = $2, message = $3, finished_at = now(), "
        "total_fetched = $4, total_stored = $5, total_changed = $6 WHERE id = $1",
        run_id,
        status,
        message,
        fetched,
        stored,
        changed,
    )


async def running_run_id(conn: asyncpg.Connection) -> int | None:
    value: int | None = await conn.fetchval(
        "SELECT id FROM sync_runs WHERE status = 'running' ORDER BY id DESC LIMIT 1"
    )
    return value


async def prune(conn: asyncpg.Connection, retention_days: int) -> int:
    status: str = await conn.execute(
        "DELETE FROM sync_runs WHERE status <> 'running' "
        "AND started_at < now() - make_interval(days => $1)",
        retention_days,
    )
    return int(status.split()[-1])
