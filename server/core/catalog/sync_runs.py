"""Sync run history (admin views)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.catalog.rows import Row
from server.core.tables import sync_runs


@dataclass(frozen=True)
class RunPage:
    rows: list[Row]
    total: int


async def list_sync_runs(conn: AsyncConnection, limit: int, offset: int) -> RunPage:
    query = (
        select(sync_runs)
        .order_by(sync_runs.c.started_at.desc(), sync_runs.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    rows: list[Row] = list((await conn.execute(query)).mappings().all())
    total = await conn.scalar(select(func.count()).select_from(sync_runs))
    return RunPage(rows, int(total or 0))


async def sync_run_by_id(conn: AsyncConnection, run_id: int) -> Row | None:
    query = select(sync_runs).where(sync_runs.c.id == run_id)
    return (await conn.execute(query)).mappings().first()
