"""SyncService: the one entry point for starting syncs (INTERFACES.md §A).

Every run, whoever starts it (scheduler, admin API, CLI, start-up), opens its own
connection, takes the advisory lock there and keeps both until the run ends. Taking the
lock proves no other run is alive, so leftover `running` rows are marked abandoned then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import AsyncGenerator, Sequence
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.errors import InvalidInput
from server.core.settings import Settings
from server.core.vocabulary import RUN_TRIGGERS, SOURCES, RunStatus, RunTrigger
from sync import lock, runs
from sync.fetch import FetchLimits
from sync.interface import (  # SYNC_SERVICE re-exported: callers before sync.interface
    CommitListener,
    FinishListener,
    SyncAlreadyRunning,
    SyncEvent,
    SyncStarted,
)
from sync.pipeline import RunResult, run_pipeline

log = logging.getLogger(__name__)

HOLDER_POLLS, HOLDER_POLL_S = 10, 0.05


def validate_sources(sources: Sequence[str] | None) -> list[str]:
    if not sources:
        return list(SOURCES)
    unknown = [s for s in sources if s not in SOURCES]
    if unknown:
        raise InvalidInput(
            f"unknown source(s) {', '.join(map(repr, unknown))}; choose from {', '.join(SOURCES)}"
        )
    return [s for s in SOURCES if s in sources]  # canonical order, no duplicates


def default_replica_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class SyncService:
    def __init__(
        self,
        engine: AsyncEngine,
        settings: Settings,
        *,
        replica_id: str | None = None,
        limits: FetchLimits | None = None,
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._database_url = settings.database_url or engine.url.render_as_string(
            hide_password=False
        ).replace("+asyncpg", "")
        self.replica_id = replica_id or default_replica_id()
        self._limits = limits
        self._listeners: list[CommitListener] = []
        self._finish_listeners: list[FinishListener] = []
        self._subscribers: set[asyncio.Queue[SyncEvent]] = set()
        self._tasks: set[asyncio.Task[RunResult]] = set()

    # ------------------------------------------------------------ public interface

    async def trigger(
        self, trigger: str = RunTrigger.ADMIN, sources: Sequence[str] | None = None
    ) -> SyncStarted | SyncAlreadyRunning:
        """Start a run in the background; return at once with its id, or who holds the lock."""
        claimed = await self._claim(trigger, sources)
        if isinstance(claimed, SyncAlreadyRunning):
            return claimed
        conn, run_id, chosen = claimed
        task = asyncio.create_task(
            self._run_claimed(conn, run_id, chosen, trigger), name=f"sync-{run_id}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return SyncStarted(run_id)

    async def run(
        self, trigger: str = RunTrigger.CLI, sources: Sequence[str] | None = None
    ) -> RunResult:
        """Run in the foreground (CLI). Returns status `already_running` if the lock is held."""
        claimed = await self._claim(trigger, sources)
        if isinstance(claimed, SyncAlreadyRunning):
            return RunResult(
                None,
                "already_running",
                f"sync run {claimed.run_id} is already running",
                held_by=claimed.run_id,
            )
        conn, run_id, chosen = claimed
        return await self._run_claimed(conn, run_id, chosen, trigger)

    def add_commit_listener(self, cb: CommitListener) -> None:
        self._listeners.append(cb)

    def add_finish_listener(self, cb: FinishListener) -> None:
        self._finish_listeners.append(cb)

    async def events(self) -> AsyncGenerator[SyncEvent, None]:
        queue: asyncio.Queue[SyncEvent] = asyncio.Queue(maxsize=1000)
        self._subscribers.add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._subscribers.discard(queue)

    async def wait_idle(self) -> None:
        """Wait for background runs started by this service (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await self.wait_idle()

    # ------------------------------------------------------------ internals

    async def _claim(
        self, trigger: str, sources: Sequence[str] | None
    ) -> tuple[asyncpg.Connection, int, list[str]] | SyncAlreadyRunning:
        chosen = validate_sources(sources)
        if trigger not in RUN_TRIGGERS:
            raise ValueError(f"unknown trigger {trigger!r}; choose from {', '.join(RUN_TRIGGERS)}")
        conn = await lock.connect(self._database_url)
        try:
            if not await lock.try_lock(conn):
                holder = await _holder(conn)
                await conn.close()
                return SyncAlreadyRunning(holder)
            abandoned = await runs.abandon_stale(conn)
            if abandoned:
                log.warning("marked %d stale running sync run(s) as abandoned", abandoned)
            await runs.prune(conn, self._settings.sync_history_retention_days)
            run_id = await runs.start_run(conn, trigger, chosen, self.replica_id)
        except BaseException:
            await conn.close()  # closing the session releases the lock too
            raise
        return conn, run_id, chosen

    async def _run_claimed(
        self, conn: asyncpg.Connection, run_id: int, sources: list[str], trigger: str
    ) -> RunResult:
        self._emit(SyncEvent("run_started", run_id, stats={"sources": sources}))
        started = time.monotonic()
        result = RunResult(run_id, RunStatus.FAILED, "interrupted before finishing")
        try:
            result = await run_pipeline(
                conn, self._settings, run_id, sources, limits=self._limits,
                on_source=lambda s, st: self._on_source(run_id, s, st),
            )  # fmt: skip
        except asyncio.CancelledError:
            result = RunResult(run_id, RunStatus.FAILED, "cancelled (the process is shutting down)")
            raise
        except Exception as exc:
            log.exception("sync run %d failed", run_id)
            result = RunResult(run_id, RunStatus.FAILED, f"{type(exc).__name__}: {exc}")
        finally:
            # The start-up sync reports itself, per source (sync.startup): no second summary.
            await self._finish(conn, result, announce=trigger != RunTrigger.STARTUP)
            self._notify_finished(trigger, result, time.monotonic() - started)
        if result.catalog_version is not None and result.changes:
            await self._publish(run_id, result.catalog_version)
        return result

    async def _finish(
        self, conn: asyncpg.Connection, result: RunResult, announce: bool = True
    ) -> None:
        assert result.run_id is not None
        totals = _totals(result)
        try:
            await asyncio.shield(
                runs.finish_run(conn, result.run_id, result.status, result.message, totals)
            )
            await lock.unlock(conn)
        except Exception as exc:  # the lock dies with the session anyway
            log.warning("could not record the end of sync run %d: %s", result.run_id, exc)
        finally:
            with contextlib.suppress(Exception):
                await conn.close()
        # A failed run is an ERROR and a partial one a WARNING: alerting on log levels works.
        levels: dict[str, int] = {
            RunStatus.FAILED: logging.ERROR,
            RunStatus.PARTIAL: logging.WARNING,
        }
        level = levels.get(result.status, logging.INFO)
        if announce:
            log.log(
                level, "sync run %d %s: %s (fetched %d, stored %d, changed %d)",
                result.run_id, result.status, result.message, *totals,
            )  # fmt: skip
        summary = {"message": result.message, "changes": result.changes}
        self._emit(SyncEvent("run_finished", result.run_id, status=result.status, stats=summary))

    def _notify_finished(self, trigger: str, result: RunResult, seconds: float) -> None:
        for listener in list(self._finish_listeners):
            try:
                listener(trigger, result, seconds)
            except Exception:
                log.exception("sync finish listener failed")

    async def _on_source(self, run_id: int, source: str, stats: dict[str, Any]) -> None:
        self._emit(SyncEvent("source_finished", run_id, source, stats.get("status"), stats))

    async def _publish(self, run_id: int, version: int) -> None:
        for listener in list(self._listeners):
            try:
                await listener(run_id, version)
            except Exception:
                log.exception("sync commit listener failed")

    def _emit(self, event: SyncEvent) -> None:
        for queue in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueFull):  # a stalled subscriber loses events
                queue.put_nowait(event)


async def _holder(conn: asyncpg.Connection) -> int | None:
    """The running row of the lock holder; it may be a few ms from inserting it."""
    for _ in range(HOLDER_POLLS):
        run_id = await runs.running_run_id(conn)
        if run_id is not None:
            return run_id
        await asyncio.sleep(HOLDER_POLL_S)
    return None


def _totals(result: RunResult) -> tuple[int, int, int]:
    fetched = sum(int(s.get("fetched", 0)) for s in result.source_stats.values())
    stored = sum(int(s.get("upserted", 0)) for s in result.source_stats.values())
    return fetched, stored, result.changes
