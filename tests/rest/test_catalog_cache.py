"""One catalog-version watcher and one response cache per app, shared by REST and GraphQL
(server.http.catalog_cache): one refresh task for the app's life, one version for both APIs
(after a sync here or on another replica), a store in Redis is one script call, the hourly
byte budget counts what both APIs store, and all of it works on a Redis Cluster."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from redis.asyncio import Redis, RedisCluster
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.bounds import Bounds
from server.core.cache import BUDGET_PREFIX, KEY_PREFIX
from server.core.catalog_version import read_in
from server.core.settings import Settings
from server.http import metrics
from server.http.app import create_app
from server.http.catalog_cache import WATCH_TASK_NAME
from server.http.keys import REDIS
from tests.conftest import ADMIN_TOKEN
from tests.rest.conftest import Client, MakeClient
from tests.support.redis_cluster import PrivateRedisCluster
from tests.support.seed import SeedInfo
from tests.sync.support import file_settings

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
MODEL = "/v1/models/openai/gpt-4o"
QUERY = '{ model(id: "openai/gpt-4o") { id name } }'


def _watch_tasks() -> list[asyncio.Task[Any]]:
    return [t for t in asyncio.all_tasks() if t.get_name() == WATCH_TASK_NAME and not t.done()]


async def _rest_version(client: Client) -> int:
    resp = await client.get(MODEL)
    assert resp.status == 200, await resp.text()
    return int(resp.headers["X-Catalog-Version"])


async def _graphql(client: Client) -> tuple[int, str | None]:
    """(X-Catalog-Version, X-Cache) of the test query."""
    resp = await client.post("/graphql", json={"query": QUERY})
    assert resp.status == 200, await resp.text()
    return int(resp.headers["X-Catalog-Version"]), resp.headers.get("X-Cache")


async def _warm(client: Client, version: int) -> None:
    """Both APIs answer from their caches under `version`."""
    assert await _rest_version(client) == version
    await _graphql(client)
    assert await _graphql(client) == (version, "hit")


async def _sync_to_the_end(client: Client) -> None:
    started = await client.post("/v1/admin/sync", headers=ADMIN)
    assert started.status == 202, await started.text()
    run_id = (await started.json())["data"]["syncId"]
    for _ in range(400):
        history = await (await client.get("/v1/admin/sync/history", headers=ADMIN)).json()
        run = next(r for r in history["data"] if r["id"] == run_id)
        if run["status"] != "running":
            assert run["status"] == "succeeded", run
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"sync run {run_id} did not finish")


async def _database_version(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return await read_in(conn)


# ------------------------------------------------------------------ one watcher


async def test_the_app_runs_one_version_refresh_task_until_cleanup(
    aiohttp_client: Any, settings: Settings, seeded: SeedInfo
) -> None:
    before = len(_watch_tasks())
    client = await aiohttp_client(create_app(settings))
    assert len(_watch_tasks()) == before + 1
    await _warm(client, seeded.catalog_version)  # both APIs served: still the one task
    assert len(_watch_tasks()) == before + 1
    await client.close()
    assert len(_watch_tasks()) == before


async def test_a_sync_committed_here_is_seen_by_both_apis_at_once(
    make_client: MakeClient, settings: Settings, seeded: SeedInfo, engine: AsyncEngine
) -> None:
    client = await make_client(file_settings(settings))
    await _warm(client, seeded.catalog_version)
    await _sync_to_the_end(client)
    committed = await _database_version(engine)
    assert committed > seeded.catalog_version
    # The commit listener moved the app's one version: neither API answers the old caches.
    assert await _rest_version(client) == committed
    assert (await _graphql(client))[0] == committed


async def test_another_replicas_commit_reaches_both_apis_with_one_version(
    make_client: MakeClient, settings: Settings, seeded: SeedInfo, engine: AsyncEngine
) -> None:
    reader = await make_client(settings)
    writer = await make_client(file_settings(settings))  # a second replica, same database
    await _warm(reader, seeded.catalog_version)
    await _sync_to_the_end(writer)
    committed = await _database_version(engine)
    assert committed > seeded.catalog_version
    # The reader learns it from its background refresh (every REFRESH_S). One version for
    # both APIs: GraphQL (asked first each turn) is never ahead of REST, nor behind it once
    # REST has moved on.
    for _ in range(100):
        graphql_version, _ = await _graphql(reader)
        if await _rest_version(reader) == committed:
            break
        assert graphql_version == seeded.catalog_version
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the reader never saw the other replica's commit")
    assert (await _graphql(reader))[0] == committed  # not the old version's cached entry


# ------------------------------------------------------------------ one cache in Redis


async def _tcp_commands_while(redis_url: str, work: Callable[[], Awaitable[None]]) -> list[str]:
    """The commands clients sent to this test's Redis database while `work` ran (MONITOR,
    filtered by database index: the shared server serves other indexes too), not those
    a script ran."""
    monitor_client = Redis.from_url(redis_url)
    db = monitor_client.connection_pool.connection_kwargs.get("db", 0)
    marker = f"end-of-work-{time.monotonic_ns()}"
    seen: list[str] = []
    try:
        async with monitor_client.monitor() as monitor:
            await work()
            await monitor_client.get(marker)  # not through the monitor's own connection
            while True:
                command = await asyncio.wait_for(monitor.next_command(), 10)
                if command["db"] != db or command["client_type"] == "lua":
                    continue
                if marker in command["command"]:
                    return seen
                seen.append(command["command"])
    finally:
        await monitor_client.aclose()


async def test_a_store_is_one_script_call_and_both_apis_share_the_budget(
    make_client: MakeClient,
    settings_with_redis: Settings,
    redis_url: str,
    redis_client: Redis,
    seeded: SeedInfo,
) -> None:
    client = await make_client(settings_with_redis)

    async def miss_both() -> None:
        assert (await client.get(MODEL)).status == 200
        assert (await _graphql(client))[1] is None

    sent = await _tcp_commands_while(redis_url, miss_both)
    cache_commands = [c for c in sent if "em:cache" in c]
    stores = [c for c in cache_commands if c.startswith("EVALSHA")]
    assert len(stores) == 2, cache_commands  # one script call per stored body
    assert all(c.split()[0] in ("GET", "EVALSHA") for c in cache_commands), cache_commands
    entries = await redis_client.keys(KEY_PREFIX + "*")
    assert {_text(k).split(":", 4)[3] for k in entries} == {"v1", "gql"}  # REST, GraphQL
    counters = await redis_client.keys(BUDGET_PREFIX + "*")
    assert len(counters) == 1  # this hour's, for both APIs
    stored = sum([await redis_client.strlen(k) for k in entries])
    assert await _counted(redis_client, counters[0]) == stored  # one budget for both APIs


async def test_a_store_over_the_budget_is_refused_and_not_counted(
    make_client: MakeClient, settings_with_redis: Settings, redis_client: Redis, seeded: SeedInfo
) -> None:
    probe = await make_client(settings_with_redis)
    assert (await probe.get(MODEL)).status == 200
    (entry,) = await redis_client.keys(KEY_PREFIX + "*")
    rest_bytes = int(await redis_client.strlen(entry))
    await redis_client.flushdb()
    # Room for the REST body and not for the GraphQL one, on a replica of its own.
    budget = Bounds(response_cache_max_bytes_per_hour=rest_bytes + 10)
    client = await make_client(settings_with_redis, bounds=budget)
    refused = metrics.CACHE_ERRORS.labels(operation="over_budget")
    before = refused._value.get()
    assert (await client.get(MODEL)).status == 200
    assert (await _graphql(client))[1] is None
    assert refused._value.get() == before + 1
    (counter,) = await redis_client.keys(BUDGET_PREFIX + "*")
    assert await _counted(redis_client, counter) == rest_bytes  # the refused body not counted
    assert [_text(k) for k in await redis_client.keys(KEY_PREFIX + "*")] == [_text(entry)]
    # This replica now refuses without asking Redis, until the next hour.
    assert (await _graphql(client))[1] is None
    assert refused._value.get() == before + 2
    assert await _counted(redis_client, counter) == rest_bytes


async def test_the_response_cache_works_on_a_redis_cluster(
    make_client: MakeClient, settings: Settings, seeded: SeedInfo, cluster: PrivateRedisCluster
) -> None:
    failed = [metrics.CACHE_ERRORS.labels(operation=op) for op in ("get", "set")]
    before = [counter._value.get() for counter in failed]
    replica = settings.with_overrides(redis_url=cluster.url)
    first, second = await make_client(replica), await make_client(replica)
    assert isinstance(first.app[REDIS], RedisCluster)
    one = await first.get(MODEL)
    other = await second.get(MODEL)  # from the shared entry: same bytes, same ETag
    assert other.headers["ETag"] == one.headers["ETag"]
    assert await other.read() == await one.read()
    await _graphql(first)
    assert await _graphql(first) == (seeded.catalog_version, "hit")
    assert [counter._value.get() for counter in failed] == before  # no Redis error
    nodes = RedisCluster.from_url(cluster.url)
    try:
        await nodes.initialize()
        entries = [k async for k in nodes.scan_iter(match=KEY_PREFIX + "*")]
        counters = [k async for k in nodes.scan_iter(match=BUDGET_PREFIX + "*")]
        assert len(entries) == 2 and len(counters) == 1
        stored = sum([await nodes.strlen(k) for k in entries])
        assert await _counted(nodes, counters[0]) == stored
    finally:
        await nodes.aclose()


async def _counted(redis: Redis | RedisCluster, counter: bytes | str) -> int:
    value = await redis.get(counter)
    assert value is not None, counter
    return int(value)


def _text(key: bytes | str) -> str:
    return key.decode() if isinstance(key, bytes) else key


@pytest.mark.slow
async def test_a_dead_cluster_node_holding_the_cache_means_misses_not_errors(
    make_client: MakeClient, settings: Settings, seeded: SeedInfo, cluster: PrivateRedisCluster
) -> None:
    client = await make_client(settings.with_overrides(redis_url=cluster.url))
    assert (await client.get(MODEL)).status == 200
    nodes = RedisCluster.from_url(cluster.url)
    try:
        await nodes.initialize()
        owner = nodes.get_node_from_key(KEY_PREFIX + "x")
        assert owner is not None
    finally:
        await nodes.aclose()
    cluster.kill_node(cluster.ports.index(int(owner.port)))
    await asyncio.sleep(3 * 1.0)  # past cluster-node-timeout: the others say CLUSTERDOWN
    failed = metrics.CACHE_ERRORS.labels(operation="get")
    before = failed._value.get()
    # Answered from PostgreSQL: new keys miss the (unreachable) shared cache. Slowly: the
    # cluster client (no circuit breaker) spends ~4 s on each command for the dead node.
    assert (await client.get("/v1/models?limit=3")).status == 200
    for _ in range(2):
        assert (await _graphql(client))[1] is None
    assert failed._value.get() > before  # counted, never a 500
