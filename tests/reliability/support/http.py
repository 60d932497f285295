"""HTTP and database helpers shared by the scenarios: one request with its timing, admin
triggers, and waiting for sync runs through PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
import asyncpg
import orjson

from server.core.database import asyncpg_dsn
from tests.conftest import ADMIN_TOKEN

ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
# A request slower than this counts as a hang (the service must answer 503 well before).
HANG_S = 20.0
FINISHED = ("succeeded", "partial", "failed", "abandoned")


@dataclass(frozen=True)
class Sample:
    """One request as a client saw it."""

    path: str
    status: int  # 0: no HTTP answer (connection error or hang)
    code: str | None  # error envelope code, if any
    elapsed_s: float
    at: float
    headers: dict[str, str]
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


async def call(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    json_body: Any = None,
    headers: dict[str, str] | None = None,
    timeout_s: float = HANG_S,
) -> Sample:
    started = time.monotonic()
    path = url.split("/", 3)[-1]
    try:
        async with session.request(
            method,
            url,
            data=None if json_body is None else orjson.dumps(json_body),
            headers={"Content-Type": "application/json", **(headers or {})},
            timeout=aiohttp.ClientTimeout(total=timeout_s),
        ) as resp:
            raw = await resp.read()
            status, resp_headers = resp.status, dict(resp.headers)
    except (aiohttp.ClientError, TimeoutError) as exc:
        elapsed = time.monotonic() - started
        return Sample("/" + path, 0, type(exc).__name__, elapsed, started, {}, None)
    body = _json_or_text(raw)
    code = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        code = body["error"].get("code")
    elapsed = time.monotonic() - started
    return Sample("/" + path, status, code, elapsed, started, resp_headers, body)


def _json_or_text(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw[:500].decode(errors="replace")


async def trigger_sync(session: aiohttp.ClientSession, base: str) -> Sample:
    return await call(session, "POST", f"{base}/v1/admin/sync", headers=ADMIN_HEADERS)


async def fetch_runs(database_url: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_dsn(database_url), timeout=5)
    try:
        return list(await conn.fetch("SELECT * FROM sync_runs ORDER BY id"))
    finally:
        await conn.close()


async def wait_for_run(
    database_url: str, run_id: int, statuses: tuple[str, ...] = FINISHED, timeout_s: float = 60
) -> asyncpg.Record:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for run in await fetch_runs(database_url):
            if run["id"] == run_id and run["status"] in statuses:
                return run
        await asyncio.sleep(0.1)
    raise TimeoutError(f"sync run {run_id} not in {statuses} after {timeout_s}s")


async def wait_for_idle(database_url: str, timeout_s: float = 60) -> list[asyncpg.Record]:
    """Wait until no run is `running`; return all runs."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        runs = await fetch_runs(database_url)
        if runs and all(r["status"] != "running" for r in runs):
            return runs
        await asyncio.sleep(0.1)
    raise TimeoutError(f"a sync was still running after {timeout_s}s")


async def sync_once(session: aiohttp.ClientSession, base: str, database_url: str) -> asyncpg.Record:
    """Trigger a sync on one replica and wait until it finished; return its run row."""
    sample = await trigger_sync(session, base)
    assert sample.status == 202, sample
    run_id = int(sample.body["data"]["syncId"])
    return await wait_for_run(database_url, run_id)


async def scalar(database_url: str, sql: str, *args: Any) -> Any:
    conn = await asyncpg.connect(asyncpg_dsn(database_url), timeout=5)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()
