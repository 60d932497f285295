"""The catalog version: bumped by each sync commit; every cache key includes it.

The source of truth is `catalog_state.version` in PostgreSQL, so a sync committed on one
replica invalidates the caches of all replicas. Reading it on every request would cost a
round trip, so it is cached in-process for `ttl_s`; a handler that builds a response from
the database must instead read the version inside the same transaction as its data
(`read_in`), so a cached body is always stored under the version it was built from.
"""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.core.tables import catalog_state


async def read_in(conn: AsyncConnection) -> int:
    """The version as seen by conn's current transaction."""
    value = await conn.scalar(select(catalog_state.c.version).where(catalog_state.c.id == 1))
    return int(value or 0)


class CatalogVersion:
    def __init__(self, engine: AsyncEngine, ttl_s: float = 1.0) -> None:
        self._engine = engine
        self._ttl_s = ttl_s
        self._value = -1
        self._read_at = float("-inf")

    async def get(self) -> int:
        """The current version, at most ttl_s old."""
        if time.monotonic() - self._read_at >= self._ttl_s:
            async with self._engine.connect() as conn:
                self.observe(await read_in(conn))
        return self._value

    def observe(self, version: int) -> None:
        """Record a version seen elsewhere (e.g. read with a response's data, or just committed)."""
        if version >= self._value:
            self._value = version
            self._read_at = time.monotonic()

    def invalidate(self) -> None:
        self._read_at = float("-inf")
