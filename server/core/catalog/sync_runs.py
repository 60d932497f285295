"""Sync run history (admin views)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.catalog.rows import SyncRunRow, columns
from server.core.tables import sync_runs

RUN_COLUMNS = columns(SyncRunRow._fields, sync_runs)


@dataclass(frozen=True)
class RunPage:
    rows: list[SyncRunRow]
    total: int


async def list_sync_runs(conn: AsyncConnection, limit: int, offset: int) -> RunPage:
    query = (
        select(*RUN_COLUMNS)
        .order_by(sync_runs.c.started_at.desc(), sync_runs.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    rows = [SyncRunRow._make(r) for r in await conn.execute(query)]
    total = await conn.scalar(select(func.count()).select_from(sync_runs))
    return RunPage(rows, int(total or 0))


async def sync_run_by_id(conn: AsyncConnection, run_id: int) -> SyncRunRow | None:
    query = select(*RUN_COLUMNS).where(sync_runs.c.id == run_id)
    row = (await conn.execute(query)).first()
    return None if row is None else SyncRunRow._make(row)
