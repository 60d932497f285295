"""The rate limiter on a real (private, local) Redis Cluster: it counts, shards keys across
nodes, and when Redis cannot count it falls back loudly (counted and logged), never
silently."""

from __future__ import annotations

import asyncio
import ipaddress
import logging

import pytest
from redis.asyncio import Redis, RedisCluster

from server.core.settings import Settings
from server.http import metrics
from server.http.keys import REDIS
from server.http.ratelimit import KEY_PREFIX, RedisRateLimiter
from tests.rest.conftest import Client, MakeClient
from tests.support.redis_cluster import PrivateRedisCluster

LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"),)
LIMIT = 3
# Forty client addresses: their counters land on every node of a three-node cluster.
CLIENTS = [f"203.0.113.{n}" for n in range(1, 41)]


def _fail_opens() -> float:
    return float(metrics.RATE_LIMIT_FAIL_OPEN._value.get())


async def _statuses(client: Client, ip: str, count: int) -> list[int]:
    statuses = []
    for _ in range(count):
        resp = await client.get("/v1/openapi.json", headers={"X-Forwarded-For": ip})
        statuses.append(resp.status)
        resp.release()
    return statuses


async def _nodes_holding_counters(cluster: PrivateRedisCluster) -> int:
    holding = 0
    for port in cluster.ports:
        node = Redis(port=port)
        try:
            holding += bool(await node.keys(KEY_PREFIX + "*"))
        finally:
            await node.aclose()
    return holding


async def test_the_limit_is_counted_on_every_node_of_a_cluster(
    make_client: MakeClient, settings: Settings, cluster: PrivateRedisCluster
) -> None:
    client = await make_client(
        settings, redis_url=cluster.url, rate_limit_per_minute=LIMIT, trusted_proxies=LOOPBACK
    )
    assert isinstance(client.app[REDIS], RedisCluster)  # detected from INFO cluster
    before = _fail_opens()
    per_client = await asyncio.gather(*(_statuses(client, ip, LIMIT + 1) for ip in CLIENTS))
    assert per_client == [[200] * LIMIT + [429]] * len(CLIENTS)
    assert _fail_opens() == before  # every hit was counted, none let through unseen
    assert await _nodes_holding_counters(cluster) == len(cluster.ports)


async def test_a_second_replica_shares_the_cluster_count(
    make_client: MakeClient, settings: Settings, cluster: PrivateRedisCluster
) -> None:
    replica = settings.with_overrides(
        redis_url=cluster.url, rate_limit_per_minute=LIMIT, trusted_proxies=LOOPBACK
    )
    first, second = await make_client(replica), await make_client(replica)
    assert await _statuses(first, CLIENTS[0], 2) == [200, 200]
    assert await _statuses(second, CLIENTS[0], 2) == [200, 429]


async def test_a_single_server_client_on_a_cluster_fails_open_loudly(
    cluster: PrivateRedisCluster, caplog: pytest.LogCaptureFixture
) -> None:
    # What a replica has if the cluster was unreachable when it started: MOVED replies.
    plain = Redis.from_url(cluster.url)
    cluster_client = RedisCluster.from_url(cluster.url)
    try:
        await cluster_client.initialize()
        own_port = cluster.ports[0]
        owners = {ip: cluster_client.get_node_from_key(KEY_PREFIX + ip) for ip in CLIENTS}
        elsewhere = [ip for ip, node in owners.items() if node is None or node.port != own_port]
        limiter = RedisRateLimiter(plain, limit=LIMIT)
        before = _fail_opens()
        with caplog.at_level(logging.WARNING, logger="server.http.ratelimit"):
            decisions = await asyncio.gather(*(limiter.hit(ip) for ip in elsewhere))
        assert all(d.allowed for d in decisions)
        assert _fail_opens() == before + len(elsewhere)
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert errors and "Redis Cluster" in errors[0].getMessage()
        assert "MovedError" in errors[0].getMessage()
    finally:
        await plain.aclose()
        await cluster_client.aclose()


async def test_a_dead_cluster_node_is_counted_in_process_and_reported(
    make_client: MakeClient, settings: Settings, cluster: PrivateRedisCluster
) -> None:
    client = await make_client(
        settings, redis_url=cluster.url, rate_limit_per_minute=LIMIT, trusted_proxies=LOOPBACK
    )
    assert await _statuses(client, CLIENTS[0], 1) == [200]
    cluster.kill_node(len(cluster.ports) - 1)
    await asyncio.sleep(3 * 1.0)  # past cluster-node-timeout: the others say CLUSTERDOWN
    before = _fail_opens()
    served = await _statuses(client, CLIENTS[1], LIMIT + 2)
    # Served by the replica's in-process limiter (the limit still holds), and every one of
    # them shows in effect_models_rate_limit_fail_open_total: nothing passes silently.
    assert served == [200] * LIMIT + [429] * 2
    assert _fail_opens() == before + LIMIT + 2
