"""What the APIs (REST, GraphQL) and the app factory may know of the sync: the service's
interface, its outcomes and events, and the app key it is found under.

The APIs import this module only, never sync.service or sync.app (an import-linter
contract in setup.cfg), so the sync's machinery can change without touching them.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web

if TYPE_CHECKING:  # a type only: the APIs never import the pipeline
    from sync.pipeline import RunResult

# (run id, new catalog version) after a run committed a catalog change.
CommitListener = Callable[[int, int], Awaitable[None]]
# (trigger, result, wall seconds) once a run has ended, whatever its status; for metrics.
FinishListener = Callable[[str, "RunResult", float], None]


@dataclass(frozen=True)
class SyncStarted:
    run_id: int


@dataclass(frozen=True)
class SyncAlreadyRunning:
    run_id: int | None  # id of the `running` row holding the lock


@dataclass(frozen=True)
class SyncEvent:
    kind: str  # run_started | source_finished | run_finished
    run_id: int
    source: str | None = None
    status: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)


class SyncTrigger(Protocol):
    """The sync service as the APIs use it (sync.service.SyncService implements it)."""

    async def trigger(
        self, trigger: str, sources: Sequence[str] | None = None
    ) -> SyncStarted | SyncAlreadyRunning: ...

    def add_commit_listener(self, cb: CommitListener) -> None: ...

    def add_finish_listener(self, cb: FinishListener) -> None: ...

    def events(self) -> AsyncGenerator[SyncEvent, None]: ...

    async def wait_idle(self) -> None:
        """Wait for the runs this service started in the background (tests, shutdown)."""


SYNC_SERVICE: web.AppKey[SyncTrigger] = web.AppKey("sync_service")
