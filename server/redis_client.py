"""Optional Redis: a blocking pool with short timeouts, so a slow Redis never stalls requests."""

from __future__ import annotations

import logging

from redis.asyncio import BlockingConnectionPool, Redis

log = logging.getLogger(__name__)

REDIS_TIMEOUT_S = 0.5
REDIS_MAX_CONNECTIONS = 32


def create_redis(url: str) -> Redis:
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=REDIS_MAX_CONNECTIONS,
        timeout=REDIS_TIMEOUT_S,  # wait at most this long for a free pooled connection
        socket_timeout=REDIS_TIMEOUT_S,
        socket_connect_timeout=REDIS_TIMEOUT_S,
        health_check_interval=30,
    )
    return Redis(connection_pool=pool)
