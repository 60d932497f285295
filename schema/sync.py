"""Admin sync views: syncRuns, syncRun, mutation triggerSync, subscription syncProgress.

All admin-only (server.http.auth.require_admin: same rule as REST). Admin responses are never
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
from schema.enums import Source
from schema.pagination import Connection, build_connection, fingerprint, page_window
from server.core.catalog.rows import SyncRunRow
from server.core.catalog.sync_runs import list_sync_runs, sync_run_by_id
from server.core.errors import NotFound, ServiceUnavailable
from server.core.vocabulary import RunStatus, RunTrigger
from sync.interface import SYNC_SERVICE, SyncAlreadyRunning

PROGRESS_POLL_S = 0.25


@strawberry.type(description="What one sync run did with one upstream source.")
class SourceRunStats:
    source: str = strawberry.field(
        description="Upstream catalog: models.dev, openrouter, huggingface or artificialanalysis."
    )
    status: str | None = strawberry.field(
        description="How the source ended: succeeded, failed or skipped (null while running)."
    )
    fetched: int | None = strawberry.field(description="Records fetched from the upstream.")
    valid: int | None = strawberry.field(description="Fetched records that passed validation.")
    invalid: int | None = strawberry.field(
        description="Fetched records skipped as invalid (examples of reasons in `raw`)."
    )
    upserted: int | None = strawberry.field(description="Rows written (new or changed).")
    unchanged: int | None = strawberry.field(
        description="Records identical to what was stored, so not written."
    )
    removed: int | None = strawberry.field(
        description="Models or offerings marked removed after missing from consecutive syncs."
    )
    duration_ms: int | None = strawberry.field(
        description="Time spent on this source, in milliseconds."
    )
    error: str | None = strawberry.field(description="Why the source failed, when it did.")
    raw: JSON = strawberry.field(
        description="Every per-source statistic as recorded, including fields not listed above."
    )


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


@strawberry.type(
    description="One sync run: who started it, how it ended, what it fetched and stored."
)
class SyncRun:
    id: int = strawberry.field(description="Run id.")
    trigger: str = strawberry.field(description="Who started it: schedule, admin, cli or startup.")
    status: str = strawberry.field(
        description="running, succeeded, partial (some sources failed), failed or abandoned."
    )
    sources: list[str] = strawberry.field(description="The sources this run was asked to sync.")
    started_at: datetime = strawberry.field(description="When the run started (UTC).")
    finished_at: datetime | None = strawberry.field(
        description="When the run ended (UTC); null while running."
    )
    total_fetched: int = strawberry.field(description="Records fetched from all sources.")
    total_stored: int = strawberry.field(description="Rows written across all sources.")
    total_changed: int = strawberry.field(description="Change events recorded by this run.")
    message: str | None = strawberry.field(description="A summary, or why the run failed.")
    replica_id: str | None = strawberry.field(description="The replica (host:pid) that ran it.")
    source_stats: list[SourceRunStats] = strawberry.field(
        description="Per-source statistics, by source name."
    )


def run_from_row(row: SyncRunRow) -> SyncRun:
    stats = row.source_stats or {}
    return SyncRun(
        id=row.id,
        trigger=row.trigger,
        status=row.status,
        sources=list(row.sources or []),
        started_at=row.started_at,
        finished_at=row.finished_at,
        total_fetched=row.total_fetched,
        total_stored=row.total_stored,
        total_changed=row.total_changed,
        message=row.message,
        replica_id=row.replica_id,
        source_stats=[source_stats(k, v) for k, v in sorted(stats.items())],
    )


@strawberry.type(description="triggerSync started a run.")
class SyncStartedResult:
    run_id: int = strawberry.field(description="Id of the run just started.")
    run: SyncRun | None = strawberry.field(description="The run as recorded when it started.")


@strawberry.type(description="triggerSync refused: a sync already holds the lock.")
class SyncAlreadyRunningResult:
    running_run_id: int | None = strawberry.field(
        description="Id of the run holding the sync lock (null if its row is not visible yet)."
    )
    message: str = strawberry.field(description="What to do: wait for the running sync to finish.")


TriggerSyncResult = Annotated[
    SyncStartedResult | SyncAlreadyRunningResult, strawberry.union("TriggerSyncResult")
]


@strawberry.type(description="Progress of a sync run (syncProgress subscription).")
class SyncProgressEvent:
    run_id: int = strawberry.field(description="The run this event belongs to.")
    kind: str = strawberry.field(description="source_finished | run_finished")
    source: str | None = strawberry.field(
        description="The source that finished (source_finished events)."
    )
    stats: SourceRunStats | None = strawberry.field(
        description="That source's statistics (source_finished events)."
    )
    run_status: str = strawberry.field(description="The run's status when the event was sent.")


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
        outcome = await service.trigger(RunTrigger.ADMIN, names)
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
            for source, stats in sorted((row.source_stats or {}).items()):
                if source not in seen:
                    seen.add(source)
                    yield SyncProgressEvent(
                        run_id=run_id, kind="source_finished", source=source,
                        stats=source_stats(source, stats), run_status=row.status,
                    )  # fmt: skip
            if row.status != RunStatus.RUNNING:
                yield SyncProgressEvent(
                    run_id=run_id, kind="run_finished", source=None, stats=None,
                    run_status=row.status,
                )  # fmt: skip
                return
            await asyncio.sleep(PROGRESS_POLL_S)
