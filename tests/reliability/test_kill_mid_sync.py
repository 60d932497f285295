"""Scenario 2: the replica holding the sync lock is SIGKILLed during the write phase.

To kill it at a known point, the test holds a row lock on catalog_state: the sync's write
transaction has then written every model, offering and change row and waits at its final
`UPDATE catalog_state` — the very end of the write phase. While it waits, and after the
kill, nobody sees any of those rows; PostgreSQL releases the advisory lock with the dead
session; the next run marks the dead one `abandoned` and commits the new catalog.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
import asyncpg

from server.core.database import asyncpg_dsn
from tests.reliability.conftest import StartReplicas
from tests.reliability.support.catalog_check import (
    catalog_version,
    generation_of,
    model_count,
    page,
)
from tests.reliability.support.catalogs import Snapshot
from tests.reliability.support.http import (
    Sample,
    fetch_runs,
    scalar,
    sync_once,
    trigger_sync,
    wait_for_run,
)
from tests.reliability.support.replica import base_env
from tests.reliability.support.upstream import FakeUpstream

WAITING_WRITER = (
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
    "AND wait_event_type = 'Lock' AND query ILIKE 'UPDATE catalog_state%'"
)
ADVISORY_LOCKS = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"


async def _wait_for(database_url: str, sql: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await scalar(database_url, sql):
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"condition never held: {sql}")


async def _assert_old_catalog(session: aiohttp.ClientSession, base: str, url: str, v1: int) -> None:
    assert await model_count(url) == 40
    assert await catalog_version(url) == v1
    seen = await page(session, base)
    assert seen.status == 200, seen
    assert seen.body["meta"]["total"] == 40
    assert generation_of(seen.body) == 1
    assert seen.headers["X-Catalog-Version"] == str(v1)


async def _fresh_page(session: aiohttp.ClientSession, base: str, old: int) -> Sample:
    """Replicas re-read the catalog version every 0.5 s (server/core/catalog_version.py)."""
    deadline = time.monotonic() + 5
    while True:
        seen = await page(session, base)
        if int(seen.headers["X-Catalog-Version"]) > old or time.monotonic() > deadline:
            return seen
        await asyncio.sleep(0.2)


async def test_sigkill_during_write_leaves_old_catalog_and_next_replica_completes(
    replicas: StartReplicas, database_url: str, upstream: FakeUpstream
) -> None:
    env = base_env(database_url, **upstream.env())
    victim, survivor = await replicas([env, env])
    async with aiohttp.ClientSession() as session:
        first = await sync_once(session, victim.url, database_url)
        assert first["status"] == "succeeded", dict(first)
        v1 = await catalog_version(database_url)

        upstream.serve(Snapshot(size=60, generation=2))
        blocker = await asyncpg.connect(asyncpg_dsn(database_url))
        try:
            tx = blocker.transaction()
            await tx.start()
            await blocker.execute("SELECT version FROM catalog_state WHERE id = 1 FOR SHARE")
            started = await trigger_sync(session, victim.url)
            assert started.status == 202, started
            cut_run = int(started.body["data"]["syncId"])
            await _wait_for(database_url, WAITING_WRITER)  # every row written, not committed
            await _assert_old_catalog(session, survivor.url, database_url, v1)
            await asyncio.to_thread(victim.kill)
        finally:
            await blocker.close()  # also ends its transaction, so nothing waits on it
        await _wait_for(database_url, f"SELECT ({ADVISORY_LOCKS}) = 0")
        await _assert_old_catalog(session, survivor.url, database_url, v1)
        runs = {r["id"]: r for r in await fetch_runs(database_url)}
        assert runs[cut_run]["status"] == "running"  # nobody alive could record its end

        nxt = await sync_once(session, survivor.url, database_url)
        assert nxt["status"] == "succeeded", dict(nxt)
        cut = await wait_for_run(database_url, cut_run, ("abandoned",), timeout_s=1)
        assert cut["finished_at"] <= nxt["started_at"] or cut["finished_at"] is not None
        assert await model_count(database_url) == 60
        fresh = await _fresh_page(session, survivor.url, v1)
    assert fresh.body["meta"]["total"] == 60 and generation_of(fresh.body) == 2
    assert int(fresh.headers["X-Catalog-Version"]) > v1
