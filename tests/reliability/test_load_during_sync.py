"""Scenario 7: load with a sync in the middle.

A real replica (PostgreSQL, private Redis) serves a closed-loop load of CONNECTIONS
concurrent loopback connections (aiohttp client in the test process) for DURATION_S seconds
(`SOAK=1`: SOAK_DURATION_S): three quarters `GET /v1/models?limit=100&provider=acme` (one
in eight of those revalidating with `If-None-Match`), one quarter `POST /graphql`. A third of
the way in, the upstreams switch to a new generation (48 models instead of 40, new prices)
and a full sync runs and commits while the load goes on.

Asserted: zero failed requests (anything but 200/304, connection errors, time-outs); every
200 is entirely one catalog, old or new (all prices from one generation, and exactly that
generation's model count), and its `X-Catalog-Version` header names the version that
generation was committed as; the sync committed inside the load window; after it committed,
answers switch to the new catalog within STALE_BOUND_S. p50/p99 latency is printed (see
BENCHMARKS.md "Reliability"), never asserted.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from tests.reliability.conftest import SOAK, StartReplicas
from tests.reliability.support.catalog_check import (
    GENERATION_QUERY,
    catalog_version,
    generation_of,
    graphql_generation_of,
)
from tests.reliability.support.catalogs import Snapshot
from tests.reliability.support.http import Sample, call, sync_once
from tests.reliability.support.load import closed_loop, percentile_ms
from tests.reliability.support.redis_server import PrivateRedis
from tests.reliability.support.replica import base_env
from tests.reliability.support.upstream import FakeUpstream

CONNECTIONS = 32
DURATION_S = 20.0
SOAK_DURATION_S = 60.0
SIZES = {1: 40, 2: 48}  # models per generation: a response also shows its generation by size
STALE_BOUND_S = 2.0
REST_PATH = "/v1/models?limit=100&provider=acme"


@dataclass
class Requests:
    """The load's request mix; remembers the last REST ETag for revalidations."""

    base: str
    etag: str | None = None

    async def __call__(self, session: aiohttp.ClientSession, n: int) -> Sample:
        if n % 4 == 3:
            body = {"query": GENERATION_QUERY}
            return await call(session, "POST", f"{self.base}/graphql", json_body=body)
        headers = {"If-None-Match": self.etag} if n % 8 == 1 and self.etag else {}
        sample = await call(session, "GET", self.base + REST_PATH, headers=headers)
        # Sample.headers is a plain dict: the server's spelling ("Etag") decides the key.
        etag = {k.lower(): v for k, v in sample.headers.items()}.get("etag")
        if sample.status == 200 and etag:
            self.etag = etag
        return sample


def _is_graphql(sample: Sample) -> bool:
    return sample.path.startswith("/graphql")


def _catalog_of(sample: Sample) -> tuple[int | None, int, int]:
    """(generation every row agrees on or None, rows, total) of one 200 answer."""
    body: dict[str, Any] = sample.body
    if not _is_graphql(sample):
        return generation_of(body), len(body["data"]), int(body["meta"]["total"])
    models = body["data"]["models"]
    return graphql_generation_of(body), len(models["edges"]), int(models["totalCount"])


def _problem(sample: Sample, generation_of_version: dict[int, int]) -> str | None:
    """Why this answer breaks the scenario's promise, or None."""
    if sample.status == 304:
        return None
    if sample.status != 200:
        return f"HTTP {sample.status} {sample.code}"
    if _is_graphql(sample) and sample.body.get("errors"):
        return f"GraphQL errors {sample.body['errors']}"
    version = int(sample.headers["X-Catalog-Version"])
    generation, rows, total = _catalog_of(sample)
    if generation is None:
        return f"prices from more than one generation (version {version})"
    if rows != total or rows != SIZES[generation]:
        return f"{rows} rows / total {total}: not the whole generation {generation}"
    if generation_of_version.get(version) != generation:
        return f"header says version {version}, data is generation {generation}"
    return None


@dataclass(frozen=True)
class MidSync:
    version: int  # the catalog version the new generation was committed as
    triggered: float  # monotonic times
    committed: float


async def _sync_in_the_middle(
    base: str, database_url: str, upstream: FakeUpstream, after_s: float
) -> MidSync:
    """Switch the upstreams to generation 2 and run a full sync."""
    await asyncio.sleep(after_s)
    upstream.serve(Snapshot(size=SIZES[2], generation=2))
    triggered = time.monotonic()
    async with aiohttp.ClientSession() as session:
        run = await sync_once(session, base, database_url)
    committed = time.monotonic()  # within the 0.1 s polling of sync_once
    assert run["status"] == "succeeded", dict(run)
    return MidSync(await catalog_version(database_url), triggered, committed)


def _latency_report(samples: list[Sample], sync: MidSync) -> str:
    during = [s for s in samples if sync.triggered <= s.at <= sync.committed]
    quiet = [s for s in samples if not sync.triggered <= s.at <= sync.committed]
    return (
        f"p50 {percentile_ms(samples, 50):.1f} ms, p99 {percentile_ms(samples, 99):.1f} ms "
        f"(while the sync ran, {len(during)} requests: p99 {percentile_ms(during, 99):.1f} ms; "
        f"otherwise p99 {percentile_ms(quiet, 99):.1f} ms)"
    )


async def test_load_while_a_sync_commits_sees_one_whole_catalog_and_no_failures(
    replicas: StartReplicas, database_url: str, upstream: FakeUpstream, private_redis: PrivateRedis
) -> None:
    duration = SOAK_DURATION_S if SOAK else DURATION_S
    env = base_env(
        database_url,
        **upstream.env(),
        REDIS_URL=private_redis.url,
        RATE_LIMIT_PER_MINUTE="10000000",
        LOG_LEVEL="WARNING",  # an access log line per request would dominate the profile
    )
    [replica] = await replicas([env])
    async with aiohttp.ClientSession() as session:
        first = await sync_once(session, replica.url, database_url)
    assert first["status"] == "succeeded", dict(first)
    old_version = await catalog_version(database_url)

    requests = Requests(replica.url)
    load_started = time.monotonic()
    (samples, wall_s), sync = await asyncio.gather(
        closed_loop(requests, CONNECTIONS, duration),
        _sync_in_the_middle(replica.url, database_url, upstream, duration / 3),
    )
    new_version, committed = sync.version, sync.committed
    generation_of_version = {old_version: 1, new_version: 2}
    problems = [
        (round(s.at - load_started, 2), s.path, problem)
        for s in samples
        if (problem := _problem(s, generation_of_version)) is not None
    ]
    fresh = [s for s in samples if s.status == 200 and s.at > committed + STALE_BOUND_S]
    stale = [s for s in fresh if int(s.headers["X-Catalog-Version"]) != new_version]
    by_version = {v: sum(1 for s in samples if s.headers.get("X-Catalog-Version") == str(v))
                  for v in (old_version, new_version)}  # fmt: skip
    print(
        f"\nload: {len(samples)} requests in {wall_s:.1f}s ({len(samples) / wall_s:.0f}/s) "
        f"over {CONNECTIONS} connections; "
        f"{sum(1 for s in samples if _is_graphql(s))} GraphQL, "
        f"{sum(1 for s in samples if s.status == 304)} x 304; "
        f"{_latency_report(samples, sync)}; "
        f"sync ran t+{sync.triggered - load_started:.1f}s..t+{committed - load_started:.1f}s; "
        f"answers by version {by_version}; failures {len(problems)}"
    )
    assert problems == [], problems[:10]
    assert load_started < committed < load_started + wall_s, "the sync did not commit mid-load"
    assert by_version[old_version] > 0 and by_version[new_version] > 0, by_version
    assert len(fresh) > 0, "no answer came after the sync settled"
    assert len(stale) == 0, f"{len(stale)} answers still old {STALE_BOUND_S}s after the commit"
