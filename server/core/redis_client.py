"""Optional Redis: a blocking pool with short timeouts and a circuit breaker, so a slow or
frozen Redis never stalls requests.

Short timeouts alone were not enough: with Redis frozen (SIGSTOP) every request still
waited for the rate limiter, the cache read and the cache write to time out, ~1.5 s each,
and throughput fell ~98%. The breaker counts consecutive connection failures and timeouts;
after BREAKER_FAILURES of them every command fails at once (a RedisError, which every
caller already treats as "Redis is unavailable": cache miss, in-process rate limit) for
BREAKER_COOLDOWN_S. Then one command is let through as a probe: success closes the
breaker, failure opens it for another cool-down. Errors Redis answers with (a script error,
OOM when it is full) prove it is alive and do not count. Pipelines (the rate limiter's
batches) go through the same breaker.

REDIS_URL may name a single Redis (or a primary) or any node of a Redis Cluster: at
start-up `connect_redis` asks the server (`INFO cluster`) and, for a cluster node, returns
redis-py's cluster client, which sends each key to the node that owns it (without the
breaker: a Cluster fails node by node). Every Redis user here sends single-key commands (or
pipelines of them) or, the response cache's store script, keys sharing one hash tag, so
both clients serve them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis, RedisCluster
from redis.asyncio.client import Pipeline
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisClusterException, RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

REDIS_TIMEOUT_S = 0.5
REDIS_MAX_CONNECTIONS = 32
BREAKER_FAILURES = 3
BREAKER_COOLDOWN_S = 5.0
# What a dead, frozen or unreachable Redis raises (redis-py wraps most socket errors).
_OUTAGE = (RedisConnectionError, RedisTimeoutError, OSError, TimeoutError)

RedisClient = Redis | RedisCluster
# Everything a caller treats as "Redis is unavailable" (cache miss, in-process rate limit).
# redis-py's cluster client raises some errors outside RedisError (SlotNotCoveredError when
# no live node owns a key's slot, RedisClusterException when none can be reached).
REDIS_FAILURES = (RedisError, RedisClusterException, OSError, TimeoutError)


class CircuitOpen(RedisConnectionError):
    """Raised instead of calling Redis while the breaker is open."""


class CircuitBreaker:
    def __init__(
        self,
        failures: int = BREAKER_FAILURES,
        cooldown_s: float = BREAKER_COOLDOWN_S,
        clock: Callable[[], float] = time.monotonic,
        on_state: Callable[[bool], None] = lambda is_open: None,
    ) -> None:
        self._threshold = failures
        self._cooldown_s = cooldown_s
        self._clock = clock
        # Told True when the breaker opens, False when it closes (the app sets a gauge:
        # this base module imports no metrics).
        self._on_state = on_state
        self._failures = 0
        self._open_until = 0.0
        self._probing = False

    @property
    def is_open(self) -> bool:
        return self._failures >= self._threshold

    def allow(self) -> bool:
        """True when a command may go to Redis (closed, or the one probe after cool-down)."""
        if not self.is_open:
            return True
        if self._probing or self._clock() < self._open_until:
            return False
        self._probing = True
        return True

    def succeeded(self) -> None:
        if self.is_open:
            log.warning("Redis answers again: circuit breaker closed")
            self._on_state(False)
        self._failures = 0
        self._probing = False

    def failed(self, exc: BaseException) -> None:
        was_open = self.is_open
        self._failures += 1
        self._probing = False
        if self.is_open:
            self._open_until = self._clock() + self._cooldown_s
            if not was_open:
                log.warning(
                    "Redis failed %d times in a row (%s: %s): skipping it for %.0f s, then probing",
                    self._failures,
                    type(exc).__name__,
                    exc,
                    self._cooldown_s,
                )
                self._on_state(True)


class BreakerRedis(Redis):
    """redis.asyncio.Redis whose every command goes through a CircuitBreaker (scripts
    too: they are EVALSHA commands)."""

    breaker: CircuitBreaker

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        if not self.breaker.allow():
            raise CircuitOpen("Redis circuit breaker is open (Redis failed repeatedly)")
        try:
            result = await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]  # redis-py leaves it unannotated
        except _OUTAGE as exc:
            self.breaker.failed(exc)
            raise
        self.breaker.succeeded()
        return result

    def pipeline(self, transaction: bool = True, shard_hint: str | None = None) -> Pipeline:
        pipe = BreakerPipeline(
            self.connection_pool, self.response_callbacks, transaction, shard_hint
        )
        pipe.breaker = self.breaker
        return pipe


class BreakerPipeline(Pipeline):
    """A pipeline whose execute() goes through the client's CircuitBreaker."""

    breaker: CircuitBreaker

    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        if not self.breaker.allow():
            await self.reset()  # type: ignore[no-untyped-call]  # redis-py leaves it unannotated
            raise CircuitOpen("Redis circuit breaker is open (Redis failed repeatedly)")
        try:
            result: list[Any] = await super().execute(raise_on_error)
        except _OUTAGE as exc:
            self.breaker.failed(exc)
            raise
        self.breaker.succeeded()
        return result


def create_redis(url: str, breaker: CircuitBreaker | None = None) -> Redis:
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=REDIS_MAX_CONNECTIONS,
        timeout=REDIS_TIMEOUT_S,  # wait at most this long for a free pooled connection
        socket_timeout=REDIS_TIMEOUT_S,
        socket_connect_timeout=REDIS_TIMEOUT_S,
        health_check_interval=30,
    )
    # from_pool: the client owns the pool, so aclose() closes its connections too.
    client = BreakerRedis.from_pool(pool)
    assert isinstance(client, BreakerRedis)
    client.breaker = breaker or CircuitBreaker()
    return client


def create_redis_cluster(url: str) -> RedisCluster:
    return RedisCluster.from_url(
        url,
        max_connections=REDIS_MAX_CONNECTIONS,  # per node
        socket_timeout=REDIS_TIMEOUT_S,
        socket_connect_timeout=REDIS_TIMEOUT_S,
        health_check_interval=30,
    )


async def connect_redis(url: str, breaker: CircuitBreaker | None = None) -> RedisClient:
    """The client for REDIS_URL: a cluster client when the server is a Cluster node.

    An unreachable Redis gives the single-server client (requests are counted in process);
    a cluster node reached later then answers MOVED, which the rate limiter logs as an
    error naming the cause.
    """
    client = create_redis(url, breaker)
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
