"""Admin sync views: syncRuns, syncRun, mutation triggerSync, subscription syncProgress.

All admin-only (server.auth.require_admin: same rule as REST). Admin responses are never
put in the response cache (Context.require_admin clears `cacheable`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from schema.context import Info
from schema.models import Source
from schema.pagination import Connection, build_connection, fingerprint, page_window
from server.catalog.rows import Row
from server.catalog.sync_runs import list_sync_runs, sync_run_by_id
from server.errors import NotFound, ServiceUnavailable
from sync.interface import SYNC_SERVICE, SyncAlreadyRunning

PROGRESS_POLL_S = 0.25


@strawberry.type
class SourceRunStats:
    source: str
    status: str | None
    fetched: int | None
    valid: int | None
    invalid: int | None
    upserted: int | None
    unchanged: int | None
    removed: int | None
    duration_ms: int | None
    error: str | None
    raw: JSON


def _int(stats: dict[str, object], key: str) -> int | None:
    value = stats.get(key)
    return int(value) if isinstance(value, int | float) else None


def source_stats(source: str, stats: dict[str, object]) -> SourceRunStats:
    error = stats.get("error")
    status = stats.get("status")
    return SourceRunStats(
        source=source,
        status=str(status) if status is not None else None,
        fetched=_int(stats, "fetched"),
        valid=_int(stats, "valid"),
        invalid=_int(stats, "invalid"),
        upserted=_int(stats, "upserted"),
        unchanged=_int(stats, "unchanged"),
        removed=_int(stats, "removed"),
        duration_ms=_int(stats, "duration_ms"),
        error=str(error) if error is not None else None,
        raw=cast(JSON, stats),
    )


@strawberry.type
class SyncRun:
    id: int
    trigger: str
    status: str
    sources: list[str]
    started_at: datetime
    finished_at: datetime | None
    total_fetched: int
    total_stored: int
    total_changed: int
    message: str | None
    replica_id: str | None
    source_stats: list[SourceRunStats]


def run_from_row(row: Row) -> SyncRun:
    stats = row["source_stats"] or {}
    return SyncRun(
        id=row["id"],
        trigger=row["trigger"],
        status=row["status"],
        sources=list(row["sources"] or []),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        total_fetched=row["total_fetched"],
        total_stored=row["total_stored"],
        total_changed=row["total_changed"],
        message=row["message"],
        replica_id=row["replica_id"],
        source_stats=[source_stats(k, v) for k, v in sorted(stats.items())],
    )


@strawberry.type(description="triggerSync started a run.")
class SyncStartedResult:
    run_id: int
    run: SyncRun | None


@strawberry.type(description="triggerSync refused: a sync already holds the lock.")
class SyncAlreadyRunningResult:
    running_run_id: int | None
    message: str


TriggerSyncResult = Annotated[
    SyncStartedResult | SyncAlreadyRunningResult, strawberry.union("TriggerSyncResult")
]


@strawberry.type
class SyncProgressEvent:
    run_id: int
    kind: str = strawberry.field(description="source_finished | run_finished")
    source: str | None
    stats: SourceRunStats | None
    run_status: str


@strawberry.type
class SyncQueries:
    @strawberry.field(description="Sync history, newest first (admin).")
    async def sync_runs(
        self, info: Info, first: int | None = 10, after: str | None = None
    ) -> Connection[SyncRun]:
        info.context.require_admin()
        window = page_window(first, after, fingerprint("sync_runs"))
        page = await info.context.db.run(
            lambda conn: list_sync_runs(conn, window.limit, window.offset)
        )
        return build_connection(page.rows, page.total, window, run_from_row)

    @strawberry.field(description="One sync run with per-source stats (admin).")
    async def sync_run(self, info: Info, id: int) -> SyncRun | None:
        info.context.require_admin()
        row = await info.context.db.run(lambda conn: sync_run_by_id(conn, id))
        return run_from_row(row) if row else None


@strawberry.type
class SyncMutations:
    @strawberry.mutation(description="Start a sync now (admin); single-flight with the scheduler.")
    async def trigger_sync(
        self, info: Info, sources: list[Source] | None = None
    ) -> TriggerSyncResult:
        info.context.require_admin()
        service = info.context.request.app.get(SYNC_SERVICE)
        if service is None:
            raise ServiceUnavailable("the sync service is not running on this server")
        names = [s.value for s in sources] if sources else None
        outcome = await service.trigger("admin", names)
        if isinstance(outcome, SyncAlreadyRunning):
            return SyncAlreadyRunningResult(
                running_run_id=outcome.run_id,
                message="a sync is already running; wait for it to finish",
            )
        async with info.context.engine.connect() as conn:
            row = await sync_run_by_id(conn, outcome.run_id)
        return SyncStartedResult(run_id=outcome.run_id, run=run_from_row(row) if row else None)


@strawberry.type
class SyncSubscriptions:
    @strawberry.subscription(description="Per-source progress of a run until it ends (admin).")
    async def sync_progress(
        self, info: Info, run_id: int
    ) -> AsyncGenerator[SyncProgressEvent, None]:
        info.context.require_admin()
        engine = info.context.engine
        seen: set[str] = set()
        while True:
            async with engine.connect() as conn:
                row = await sync_run_by_id(conn, run_id)
            if row is None:
                raise NotFound(f"sync run {run_id} does not exist")
            for source, stats in sorted((row["source_stats"] or {}).items()):
                if source not in seen:
                    seen.add(source)
                    yield SyncProgressEvent(
                        run_id=run_id, kind="source_finished", source=source,
                        stats=source_stats(source, stats), run_status=row["status"],
                    )  # fmt: skip
            if row["status"] != "running":
                yield SyncProgressEvent(
                    run_id=run_id, kind="run_finished", source=None, stats=None,
                    run_status=row["status"],
                )  # fmt: skip
                return
            await asyncio.sleep(PROGRESS_POLL_S)
