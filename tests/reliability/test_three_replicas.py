"""Scenario 1: three replicas on one PostgreSQL and one Redis.

Three real server processes (different ports) share the test database, a private Redis and
the loopback fake upstreams. `SYNC_CRON` has one-minute resolution (5-field cron), so the
scheduler cannot fire "every few seconds": it is on (`* * * * *`, which also enables the
start-up sync that all three replicas attempt at once when the catalog is empty), and the
overlap is driven by manual triggers sent to all three replicas AT ONCE, in several rounds,
half over REST (`POST /v1/admin/sync`) and half over GraphQL (`triggerSync`). A cron tick
that lands inside the test simply joins the contest and is accounted for.

Each round serves a new upstream generation, so every response tells which one it shows.
Asserted: one trigger per round starts a run and the others are refused naming its id;
`sync_runs` intervals never overlap; no change event is recorded twice; a finished sync
switches all three replicas' cached `/v1/models` and `/graphql` answers within a bound; and
the rate limit (Redis) is one budget across the three replicas.

Every request carries its own `X-Forwarded-For` (the replicas trust loopback as a proxy),
so only the rate-limit probe, which reuses one client address, can ever be limited.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import aiohttp

from tests.reliability.conftest import StartReplicas
from tests.reliability.support.catalog_check import (
    GENERATION_QUERY,
    catalog_version,
    generation_of,
    graphql_generation_of,
)
from tests.reliability.support.catalogs import SOURCES, Snapshot
from tests.reliability.support.http import (
    ADMIN_HEADERS,
    Sample,
    call,
    fetch_runs,
    scalar,
    wait_for_idle,
    wait_for_run,
)
from tests.reliability.support.redis_server import PrivateRedis
from tests.reliability.support.replica import ServerProcess, base_env
from tests.reliability.support.upstream import FakeUpstream

ROUNDS = 4
RATE_LIMIT = 12
# The catalog version is re-read every 0.5 s per replica; allow for a busy CI.
SWITCH_BOUND_S = 3.0
TRIGGER_MUTATION = (
    "mutation { triggerSync { __typename "
    "... on SyncStartedResult { runId } "
    "... on SyncAlreadyRunningResult { runningRunId message } } }"
)
DUPLICATE_CHANGES = (
    "SELECT count(*) FROM (SELECT 1 FROM changes "
    "GROUP BY entity_id, kind, field, new_value::text HAVING count(*) > 1) AS dup"
)

_client_numbers = itertools.count(1)


def _new_client() -> dict[str, str]:
    """A distinct client address per request, so the rate limit never interferes."""
    n = next(_client_numbers)
    return {"X-Forwarded-For": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"}


async def _trigger(session: aiohttp.ClientSession, base: str, graphql: bool) -> tuple[str, Any]:
    """('started', run id) or ('busy', id of the running run named in the refusal)."""
    headers = {**ADMIN_HEADERS, **_new_client()}
    if not graphql:
        sample = await call(session, "POST", f"{base}/v1/admin/sync", headers=headers)
        if sample.status == 202:
            return "started", sample.body["data"]["syncId"]
        assert sample.status == 409 and sample.code == "CONFLICT", sample
        return "busy", sample.body["error"]["details"]["syncId"]
    body = {"query": TRIGGER_MUTATION}
    sample = await call(session, "POST", f"{base}/graphql", json_body=body, headers=headers)
    assert sample.status == 200 and "errors" not in sample.body, sample
    result = sample.body["data"]["triggerSync"]
    if result["__typename"] == "SyncStartedResult":
        return "started", result["runId"]
    assert result["__typename"] == "SyncAlreadyRunningResult", result
    return "busy", result["runningRunId"]


async def _trigger_all_at_once(
    session: aiohttp.ClientSession, replicas: list[ServerProcess], round_no: int
) -> list[tuple[str, Any]]:
    return list(
        await asyncio.gather(
            *(_trigger(session, r.url, (i + round_no) % 2 == 1) for i, r in enumerate(replicas))
        )
    )


async def _check_round(database_url: str, outcomes: list[tuple[str, Any]]) -> int:
    """Exactly one winner, and every loser names it; return the run that holds the lock.
    With no winner, a scheduled run (cron tick) must be the one named."""
    started = [run_id for kind, run_id in outcomes if kind == "started"]
    named = {run_id for kind, run_id in outcomes if kind == "busy"}
    assert len(started) <= 1, f"two triggers started runs at once: {outcomes}"
    assert None not in named, f"a refusal did not name the running sync: {outcomes}"
    assert len(named) <= 1, f"refusals named different runs: {outcomes}"
    holder = started[0] if started else named.pop()
    assert named <= {holder}, f"refusals name {named}, but {holder} started: {outcomes}"
    if not started:
        runs = {r["id"]: r for r in await fetch_runs(database_url)}
        assert runs[holder]["trigger"] == "schedule", f"nobody started a run: {outcomes}"
    return int(holder)


async def _views(session: aiohttp.ClientSession, base: str) -> tuple[Sample, Sample]:
    rest = await call(
        session, "GET", f"{base}/v1/models?limit=100&provider=acme", headers=_new_client()
    )
    gql = await call(
        session,
        "POST",
        f"{base}/graphql",
        json_body={"query": GENERATION_QUERY},
        headers=_new_client(),
    )
    assert rest.status == 200 and gql.status == 200, (rest, gql)
    return rest, gql


async def _generations(session: aiohttp.ClientSession, base: str) -> tuple[int | None, ...]:
    rest, gql = await _views(session, base)
    return generation_of(rest.body), graphql_generation_of(gql.body)


async def _await_switch(
    session: aiohttp.ClientSession, replica: ServerProcess, generation: int, version: int
) -> None:
    """Both views of the replica show `generation` (and say `version`) within the bound."""
    deadline = time.monotonic() + SWITCH_BOUND_S
    while True:
        rest, gql = await _views(session, replica.url)
        seen = (generation_of(rest.body), graphql_generation_of(gql.body))
        headers = (rest.headers["X-Catalog-Version"], gql.headers["X-Catalog-Version"])
        if seen == (generation, generation) and headers == (str(version), str(version)):
            return
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{replica.name} still shows generations {seen} (versions {headers}) "
                f"{SWITCH_BOUND_S}s after the sync of generation {generation} (v{version})"
            )
        await asyncio.sleep(0.1)


def _assert_no_overlap(runs: list[Any]) -> None:
    ordered = sorted(runs, key=lambda r: r["started_at"])
    assert all(r["status"] != "running" and r["finished_at"] is not None for r in ordered)
    for before, after in itertools.pairwise(ordered):
        assert before["finished_at"] <= after["started_at"], (
            f"runs {before['id']} and {after['id']} overlapped: "
            f"{before['started_at']}..{before['finished_at']} vs {after['started_at']}"
        )


async def _assert_rate_limit_shared(
    session: aiohttp.ClientSession, replicas: list[ServerProcess]
) -> None:
    """One client, three times the limit, round-robin over the replicas: the limit is one budget."""
    client = {"X-Forwarded-For": "203.0.113.7"}
    per_replica: dict[str, list[int]] = {r.name: [] for r in replicas}
    statuses = []
    for n in range(3 * RATE_LIMIT):
        replica = replicas[n % 3]
        sample = await call(session, "GET", f"{replica.url}/v1/models?limit=1", headers=client)
        assert sample.status in (200, 429), sample
        if sample.status == 429:
            assert sample.code == "RATE_LIMITED" and "Retry-After" in sample.headers, sample
        statuses.append(sample.status)
        per_replica[replica.name].append(sample.status)
    assert statuses == [200] * RATE_LIMIT + [429] * (2 * RATE_LIMIT), statuses
    assert all(200 in s and 429 in s for s in per_replica.values()), per_replica


async def test_three_replicas_one_sync_at_a_time_shared_limit_and_cache(
    replicas: StartReplicas,
    database_url: str,
    upstream: FakeUpstream,
    private_redis: PrivateRedis,
) -> None:
    env = base_env(
        database_url,
        **upstream.env(),
        REDIS_URL=private_redis.url,
        SYNC_CRON="* * * * *",
        SYNC_ON_STARTUP="true",
        RATE_LIMIT_PER_MINUTE=str(RATE_LIMIT),
        TRUSTED_PROXIES="127.0.0.1/32",
    )
    # Each source answers after 0.4 s, so a run is certainly still holding the lock when
    # the other two triggers of its round arrive.
    upstream.delay_s = dict.fromkeys(SOURCES, 0.4)
    trio = await replicas([env, env, env])
    async with aiohttp.ClientSession() as session:
        runs = await wait_for_idle(database_url)  # the start-up sync all three attempted
        assert any(r["trigger"] == "startup" and r["status"] == "succeeded" for r in runs), runs

        for round_no in range(ROUNDS):
            generation = round_no + 2
            for replica in trio:  # warm every cache layer with the old generation
                assert await _generations(session, replica.url) == (generation - 1,) * 2
                assert await _generations(session, replica.url) == (generation - 1,) * 2
            upstream.serve(Snapshot(size=40, generation=generation))
            outcomes = await _trigger_all_at_once(session, trio, round_no)
            holder = await _check_round(database_url, outcomes)
            finished = await wait_for_run(database_url, holder)
            assert finished["status"] == "succeeded", dict(finished)
            await wait_for_idle(database_url)
            version = await catalog_version(database_url)
            await asyncio.gather(*(_await_switch(session, r, generation, version) for r in trio))

        _assert_no_overlap(await wait_for_idle(database_url))
        assert await scalar(database_url, DUPLICATE_CHANGES) == 0
        # One run per generation change recorded events: the start-up one and one per round.
        runs_with_changes = "SELECT count(DISTINCT sync_run_id) FROM changes"
        assert await scalar(database_url, runs_with_changes) == 1 + ROUNDS
        await _assert_rate_limit_shared(session, trio)
