"""The app's one catalog-version watcher and one response cache, shared by both APIs.

Opened once at start-up (a cleanup_ctx entry after Redis, the engines and the sync service)
and closed on cleanup: REST's body cache and the GraphQL view read them from the app keys
CATALOG_VERSION and RESPONSE_CACHE, each under its own key namespace (REST `v<version>:…`,
GraphQL `gql:<version>:…`). The watcher is subscribed to this process's sync commits once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from server.core.cache import create_cache
from server.core.catalog_version import VersionWatch
from server.http import metrics
from server.http.keys import CATALOG_VERSION, READ_ENGINE, REDIS, RESPONSE_CACHE, SETTINGS
from sync.interface import SYNC_SERVICE

WATCH_TASK_NAME = "catalog-version-watch"


def _count_cache_error(operation: str) -> None:
    metrics.CACHE_ERRORS.labels(operation=operation).inc()


def _follow_commits(app: web.Application, watch: VersionWatch) -> None:
    """A sync committed by this process is seen at once, not after the refresh interval."""

    async def on_commit(run_id: int, version: int) -> None:
        watch.observe(version)

    app[SYNC_SERVICE].add_commit_listener(on_commit)


async def catalog_cache_ctx(app: web.Application) -> AsyncIterator[None]:
    watch = VersionWatch(app[READ_ENGINE])
    app[CATALOG_VERSION] = watch
    app[RESPONSE_CACHE] = create_cache(app[REDIS], _count_cache_error, app[SETTINGS].bounds)
    _follow_commits(app, watch)
    with contextlib.suppress(Exception):  # PostgreSQL was just reached; if not, read later
        await watch.refresh()
    ticker = asyncio.create_task(watch.run(), name=WATCH_TASK_NAME)
    yield
    ticker.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await ticker
