"""The catalog version: bumped by each sync commit; every cache key includes it.

The source of truth is `catalog_state.version` in PostgreSQL, so a sync committed on one
replica invalidates the caches of all replicas. Reading it on every request would cost a
round trip, so each process keeps ONE `VersionWatch` that re-reads it in the background;
a handler that builds a response from the database must instead read the version inside
the same transaction as its data (`read_in`), so a cached body is always stored under the
version it was built from.
"""

from __future__ import annotations

import asyncio
import logging
import time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.core.tables import catalog_state

log = logging.getLogger(__name__)

# How stale a replica's idea of the catalog version may be after another replica's sync.
REFRESH_S = 0.5
WARN_EVERY_S = 30.0
# Names the watcher's connection in SQLAlchemy's logs and events (SQL-counting tests skip
# its background reads, which may land in the middle of a request).
CONNECTION_NAME = "catalog-version-watch"


async def read_in(conn: AsyncConnection) -> int:
    """The version as seen by conn's current transaction."""
    value = await conn.scalar(select(catalog_state.c.version).where(catalog_state.c.id == 1))
    return int(value or 0)


class VersionWatch:
    """The catalog version, re-read in the background every REFRESH_S (`run`).

    Handlers read `current` without awaiting anything: one query per replica per interval
    however busy it is, and no burst of identical queries when a cached value expires
    (which a per-request TTL check causes under load). A sync committed in this process
    is seen at once through `observe` (the app subscribes it to sync commits); other
    replicas' commits within REFRESH_S.
    """

    def __init__(self, engine: AsyncEngine, refresh_s: float = REFRESH_S) -> None:
        self._engine = engine
        self._refresh_s = refresh_s
        self.current = -1  # < 0 until first read
        self._last_warning = float("-inf")

    def observe(self, version: int) -> None:
        """Record a version seen elsewhere (read with a response's data, or just committed)."""
        if version > self.current:
            self.current = version

    async def refresh(self) -> int:
        async with self._engine.connect() as conn:
            conn = await conn.execution_options(logging_token=CONNECTION_NAME)
            self.observe(await read_in(conn))
        return self.current

    async def run(self) -> None:
        """Refresh forever (the app runs it as one task and cancels it on shutdown)."""
        while True:
            await asyncio.sleep(self._refresh_s)
            try:
                await self.refresh()
            except Exception as exc:  # keep serving the last known version
                self._warn(exc)

    async def get(self) -> int:
        """The version to look up cache entries with (reads it once if never read)."""
        return self.current if self.current >= 0 else await self.refresh()

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_warning >= WARN_EVERY_S:
            self._last_warning = now
            log.warning("catalog version not refreshed: %s: %s", type(exc).__name__, exc)
