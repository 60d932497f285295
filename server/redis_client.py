"""Optional Redis: a blocking pool with short timeouts, so a slow Redis never stalls requests.

REDIS_URL may name a single Redis (or a primary) or any node of a Redis Cluster: at
start-up `connect_redis` asks the server (`INFO cluster`) and, for a cluster node, returns
redis-py's cluster client, which sends each key to the node that owns it. Every Redis user
here sends single-key commands (or pipelines of them), so both clients serve them.
"""

from __future__ import annotations

import logging

from redis.asyncio import BlockingConnectionPool, Redis, RedisCluster

log = logging.getLogger(__name__)

REDIS_TIMEOUT_S = 0.5
REDIS_MAX_CONNECTIONS = 32

RedisClient = Redis | RedisCluster


def create_redis(url: str) -> Redis:
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=REDIS_MAX_CONNECTIONS,
        timeout=REDIS_TIMEOUT_S,  # wait at most this long for a free pooled connection
        socket_timeout=REDIS_TIMEOUT_S,
        socket_connect_timeout=REDIS_TIMEOUT_S,
        health_check_interval=30,
    )
    # from_pool: the client owns the pool, so aclose() closes its connections too.
    return Redis.from_pool(pool)


def create_redis_cluster(url: str) -> RedisCluster:
    return RedisCluster.from_url(
        url,
        max_connections=REDIS_MAX_CONNECTIONS,  # per node
        socket_timeout=REDIS_TIMEOUT_S,
        socket_connect_timeout=REDIS_TIMEOUT_S,
        health_check_interval=30,
    )


async def connect_redis(url: str) -> RedisClient:
    """The client for REDIS_URL: a cluster client when the server is a Cluster node.

    An unreachable Redis gives the single-server client (requests fail open and are
    counted); a cluster node reached later then answers MOVED, which the rate limiter
    logs as an error naming the cause.
    """
    client = create_redis(url)
    try:
        await client.ping()
        info = await client.info("cluster")
    except Exception as exc:
        log.warning("Redis not reachable at start-up (%s); continuing without it", exc)
        return client
    if not info.get("cluster_enabled"):
        return client
    await client.aclose()
    cluster = create_redis_cluster(url)
    await cluster.initialize()
    log.info("Redis Cluster at %s: %d node(s)", url.rsplit("@", 1)[-1], len(cluster.get_nodes()))
    return cluster
