"""Per-app REST state: the body cache and the catalog version, opened in cleanup_ctx."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.core.cache import create_cache
from server.core.catalog_version import read_in
from server.http import metrics
from server.http.keys import READ_ENGINE, REDIS, SETTINGS
from server.http.rest.cached import BodyCache
from sync.interface import SYNC_SERVICE

log = logging.getLogger(__name__)
T = TypeVar("T")

# How stale a replica's idea of the catalog version may be after another replica's sync.
REFRESH_S = 0.5
WARN_EVERY_S = 30.0


class VersionWatch:
    """The catalog version, re-read in the background every REFRESH_S.

    Handlers read `current` without awaiting anything: one query per replica per interval
    however busy it is, and no burst of identical queries when a cached value expires
    (which a per-request TTL check causes under load). A sync committed in this process
    is seen at once through the commit listener; other replicas see it within REFRESH_S.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self.current = -1
        self._last_warning = float("-inf")

    def observe(self, version: int) -> None:
        if version > self.current:
            self.current = version

    async def refresh(self) -> int:
        async with self._engine.connect() as conn:
            self.observe(await read_in(conn))
        return self.current

    async def run(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_S)
            try:
                await self.refresh()
            except Exception as exc:  # keep serving the last known version
                now = time.monotonic()
                if now - self._last_warning >= WARN_EVERY_S:
                    self._last_warning = now
                    log.warning("catalog version not refreshed: %s: %s", type(exc).__name__, exc)

    async def get(self) -> int:
        """The version to look up cache entries with (reads it once if never read)."""
        return self.current if self.current >= 0 else await self.refresh()


BODY_CACHE = web.AppKey("rest_body_cache", BodyCache)
REST_CATALOG_VERSION = web.AppKey("rest_catalog_version", VersionWatch)


def _count_cache_error(operation: str) -> None:
    metrics.CACHE_ERRORS.labels(operation=operation).inc()


async def rest_state_ctx(app: web.Application) -> AsyncIterator[None]:
    redis = app[REDIS]
    watch = VersionWatch(app[READ_ENGINE])
    app[REST_CATALOG_VERSION] = watch
    shared = create_cache(redis, _count_cache_error, app[SETTINGS].bounds)
    app[BODY_CACHE] = BodyCache(shared, redis is None, watch)
    sync_service = app.get(SYNC_SERVICE)
    if sync_service is not None:

        async def on_commit(run_id: int, version: int) -> None:
            watch.observe(version)

        sync_service.add_commit_listener(on_commit)
    with contextlib.suppress(Exception):  # PostgreSQL was just reached; if not, read later
        await watch.refresh()
    ticker = asyncio.create_task(watch.run(), name="catalog-version-watch")
    yield
    ticker.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await ticker


async def read_snapshot(
    app: web.Application, work: Callable[[AsyncConnection], Awaitable[T]]
) -> tuple[int, T]:
    """Run work and read the catalog version in ONE repeatable-read transaction, so the
    version labels exactly the data it came with (a sync committing in between cannot
    slip new rows under an old version, or the reverse)."""
    async with app[READ_ENGINE].connect() as conn:
        conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            version = await read_in(conn)
            result = await work(conn)
    app[REST_CATALOG_VERSION].observe(version)
    return version, result
