"""First run (issue 14 item 1): a server started on an empty catalog syncs once by itself,
in every APP_ENV and without SYNC_CRON, and says what happened in its log; offline it says
so in one line with the command that loads saved payloads; SYNC_ON_STARTUP=false stops it.

Real `effect-models serve` processes against the loopback fake upstream, or against a
port nothing listens on.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.reliability.conftest import StartReplicas
from tests.reliability.support.ports import free_port
from tests.reliability.support.replica import ServerProcess, base_env
from tests.reliability.support.upstream import FakeUpstream
from tests.support import services

SOURCES = ("models.dev", "openrouter", "huggingface", "artificialanalysis")


async def _wait_for_line(replica: ServerProcess, needle: str, timeout_s: float = 60) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for line in replica.log_text().splitlines():
            if needle in line:
                return line
        await asyncio.sleep(0.2)
    raise AssertionError(f"no log line with {needle!r}:\n{replica.log_tail()}")


async def _total(replica: ServerProcess) -> int:
    url = replica.url + "/v1/models?limit=1"
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        assert resp.status == 200
        total: int = (await resp.json())["meta"]["total"]
        return total


def _lines(replica: ServerProcess, needle: str) -> list[str]:
    return [line for line in replica.log_text().splitlines() if needle in line]


async def test_first_run_syncs_an_empty_catalog_in_every_app_env(
    replicas: StartReplicas, database_url: str, upstream: FakeUpstream
) -> None:
    # development: no SYNC_CRON by default, and the start-up sync still runs
    env = base_env(database_url, **upstream.env(), APP_ENV="development", LOG_FORMAT="text")
    env.pop("SYNC_ON_STARTUP")  # the default is on
    [replica] = await replicas([env])
    summary = await _wait_for_line(replica, "the catalog now holds")
    assert "start-up sync succeeded: the catalog now holds 40 models" in summary
    assert await _total(replica) == 40
    for source in SOURCES:
        [line] = _lines(replica, f"start-up sync: {source} ok:")
        assert "records fetched" in line and "stored" in line
    assert len(_lines(replica, "catalog is empty: syncing once")) == 1


async def test_staging_and_production_sync_too_without_a_schedule(
    replicas: StartReplicas, database_url: str, upstream: FakeUpstream
) -> None:
    for app_env in ("staging", "production"):
        env = base_env(database_url, **upstream.env(), APP_ENV=app_env, SYNC_CRON="",
                       SYNC_ON_STARTUP="true", LOG_FORMAT="text")  # fmt: skip
        [replica] = await replicas([env])
        await _wait_for_line(replica, "the catalog now holds")
        assert await _total(replica) == 40
        replica.stop()
        await services.reset_catalog(database_url)  # empty again for the next APP_ENV


async def test_offline_first_run_says_so_in_one_line(
    replicas: StartReplicas, database_url: str, engine: AsyncEngine
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    env = base_env(
        database_url,
        MODELS_DEV_URL=dead + "/api.json",
        OPENROUTER_URL=dead + "/api/v1/models",
        HUGGINGFACE_URL=dead + "/api/models",
        ARTIFICIAL_ANALYSIS_URL=dead + "/api/v2/data/llms/models",
        API_RETRY_MS="10",
        SYNC_ON_STARTUP="true",
        LOG_FORMAT="text",
    )
    [replica] = await replicas([env])
    line = await _wait_for_line(replica, "no upstream could be reached")
    assert "WARNING" in line
    assert "effect-models sync --from-dir DIR" in line
    assert "(models.dev: connection error from http://127.0.0.1:" in line  # why, in short
    assert len(_lines(replica, "start-up sync")) == 1  # no per-source noise
    assert _lines(replica, "sync run 1 failed") == []  # nor a second summary of the run
    assert await _total(replica) == 0
    async with engine.connect() as conn:
        status = await conn.scalar(text("SELECT status FROM sync_runs WHERE trigger = 'startup'"))
    assert status == "failed"


async def test_sync_on_startup_false_leaves_the_catalog_alone(
    replicas: StartReplicas, database_url: str, upstream: FakeUpstream, engine: AsyncEngine
) -> None:
    env = base_env(database_url, **upstream.env(), SYNC_ON_STARTUP="false", LOG_FORMAT="text")
    [replica] = await replicas([env])
    await asyncio.sleep(1.0)  # the start-up check runs right after start; give it time
    assert await _total(replica) == 0
    assert sum(upstream.hits.values()) == 0
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM sync_runs")) == 0
    assert _lines(replica, "catalog is empty") == []
