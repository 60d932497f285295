"""One read-only database snapshot per GraphQL request.

The connection is opened lazily on the first query (so a refused or cached request does no
database work), in a REPEATABLE READ transaction, and the catalog version is read inside
that transaction: every field of a response comes from the same snapshot, and the response
is labelled (X-Catalog-Version, cache key) with the version its data came from. Dataloaders
dispatch concurrently but one connection runs one statement at a time, hence the lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.catalog_version import read_in

T = TypeVar("T")
log = logging.getLogger(__name__)


class RequestDb:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._conn: AsyncConnection | None = None
        self._lock = asyncio.Lock()
        self.version: int | None = None

    async def _open(self, *, read_version: bool = True) -> AsyncConnection:
        conn = await self._engine.connect()
        try:
            await conn.execution_options(isolation_level="REPEATABLE READ")
            await conn.begin()
            if read_version:
                self.version = await read_in(conn)
        except BaseException:
            await conn.close()
            raise
        self._conn = conn
        return conn

    async def run(self, fn: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        async with self._lock:
            conn = self._conn or await self._open()
            return await fn(conn)

    async def run_reading_version(
        self, fn: Callable[[AsyncConnection], Awaitable[tuple[T, int | None]]]
    ) -> T:
        """Like run(), for a statement that also returns the catalog version: as the
        request's first statement it replaces the separate version query (one round trip
        fewer); the version then comes from the same snapshot as the data, as before."""
        async with self._lock:
            if self._conn is not None:
                return (await fn(self._conn))[0]
            conn = await self._open(read_version=False)
            result, self.version = await fn(conn)
            if self.version is None:
                self.version = await read_in(conn)
            return result

    async def catalog_version(self) -> int:
        async with self._lock:
            if self._conn is None:
                await self._open()
            elif self.version is None:  # a run_reading_version that failed part-way
                self.version = await read_in(self._conn)
        return self.version or 0

    async def close(self) -> None:
        """End the read transaction. Never raises: the response is already built, and a
        connection broken by a cancelled sibling resolver is simply discarded."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            await conn.rollback()
            await conn.close()
        except Exception as exc:
            log.info("discarding a broken request connection: %s", exc)
            with contextlib.suppress(Exception):
                await conn.invalidate()
                await conn.close()
