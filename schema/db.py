"""One read-only database snapshot per GraphQL request.

The connection is opened lazily on the first query (so a refused or cached request does no
database work), in a REPEATABLE READ transaction, and the catalog version is read inside
that transaction: every field of a response comes from the same snapshot, and the response
is labelled (X-Catalog-Version, cache key) with the version its data came from. Dataloaders
dispatch concurrently but one connection runs one statement at a time, hence the lock.

Fast path: a `models` first page is a single statement that also reads the version, run
in autocommit (a statement is its own snapshot), which saves BEGIN, ROLLBACK and the
version query. If the request then needs another statement, the snapshot transaction
starts there and the version is checked: a sync that committed in between makes the
request fail with SERVICE_UNAVAILABLE (retry) rather than answer from two catalogs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.core.catalog_version import read_in
from server.core.errors import ServiceUnavailable

T = TypeVar("T")
log = logging.getLogger(__name__)


class RequestDb:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._conn: AsyncConnection | None = None
        self._lock = asyncio.Lock()
        self.version: int | None = None
        self._in_transaction = False

    async def _open(self) -> AsyncConnection:
        conn = await self._engine.connect()
        try:
            await conn.execution_options(isolation_level="REPEATABLE READ")
            await conn.begin()
            self.version = await read_in(conn)
        except BaseException:
            await conn.close()
            raise
        self._conn, self._in_transaction = conn, True
        return conn

    async def run(self, fn: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        async with self._lock:
            return await fn(await self._transaction())

    async def _transaction(self) -> AsyncConnection:
        if self._conn is None:
            return await self._open()
        if not self._in_transaction:
            # The first statement ran on its own (autocommit, see run_reading_version);
            # the following ones share a REPEATABLE READ snapshot, which must show the
            # catalog version the first one did, or the response would mix two catalogs.
            seen = await read_in(await self._begin_snapshot())
            if self.version is not None and seen != self.version:
                raise ServiceUnavailable("the catalog changed during this request; retry it")
            self.version = seen
        return self._conn

    async def run_reading_version(
        self, fn: Callable[[AsyncConnection], Awaitable[tuple[T, int | None]]]
    ) -> T:
        """Like run(), for a statement that also returns the catalog version.

        As the request's first statement it runs in autocommit: no BEGIN, no ROLLBACK and
        no separate version query, three of the five round trips of a one-statement
        request. A single statement is its own consistent snapshot; if more statements
        follow, run() opens the snapshot transaction and checks the version still holds.
        """
        async with self._lock:
            if self._conn is not None:
                return (await fn(await self._transaction()))[0]
            conn = await self._engine.connect()
            try:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
            except BaseException:
                await conn.close()
                raise
            self._conn, self._in_transaction = conn, False
            result, version = await fn(conn)
            if version is not None:
                self.version = version
                return result
            # No row to carry the version (empty page): redo it inside the snapshot.
            self.version = None
            conn = await self._begin_snapshot()
            result, self.version = await fn(conn)
            if self.version is None:
                self.version = await read_in(conn)
            return result

    async def _begin_snapshot(self) -> AsyncConnection:
        """Turn the autocommit connection into the request's snapshot transaction."""
        conn = self._conn
        assert conn is not None
        await conn.commit()  # ends SQLAlchemy's autobegun block; nothing is sent
        await conn.execution_options(isolation_level="REPEATABLE READ")
        await conn.begin()
        self._in_transaction = True
        return conn

    async def catalog_version(self) -> int:
        async with self._lock:
            if self._conn is None:
                await self._open()
            elif self.version is None:  # a run_reading_version that failed part-way
                conn = await self._transaction()
                if self.version is None:
                    self.version = await read_in(conn)
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
