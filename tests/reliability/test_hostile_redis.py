"""Issue 13, the Redis side: one client cannot fill Redis through the response cache, a full
Redis does not switch the rate limit off, and a frozen Redis costs a bounded number of
slow requests (circuit breaker), not ~1.5 s on every request."""

from __future__ import annotations

import asyncio
import statistics
import time

import aiohttp
import redis
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.reliability.conftest import StartReplicas
from tests.reliability.support.http import call
from tests.reliability.support.redis_server import PrivateRedis
from tests.reliability.support.replica import ServerProcess, base_env
from tests.support.seed import seed_catalog

BUDGET = 64 * 1024


async def _replica(
    replicas: StartReplicas,
    database_url: str,
    engine: AsyncEngine,
    private_redis: PrivateRedis,
    **env: str,
) -> ServerProcess:
    await seed_catalog(engine)
    [replica] = await replicas([base_env(database_url, REDIS_URL=private_redis.url, **env)])
    return replica


def _cached_bytes(client: redis.Redis) -> int:
    return sum(int(client.strlen(key)) for key in client.scan_iter(match="em:cache:*", count=1000))


async def test_distinct_urls_cannot_fill_redis(
    replicas: StartReplicas, database_url: str, engine: AsyncEngine, private_redis: PrivateRedis
) -> None:
    replica = await _replica(
        replicas,
        database_url,
        engine,
        private_redis,
        RATE_LIMIT_PER_MINUTE="1000000",
        RESPONSE_CACHE_MAX_BYTES_PER_HOUR=str(BUDGET),
    )
    client = redis.Redis(port=private_redis.port)
    async with aiohttp.ClientSession() as session:
        for n in range(300):
            url = f"{replica.url}/v1/models?all=true&minContextWindow={n}"
            sample = await call(session, "GET", url)
            assert sample.status == 200, sample
            body = f"{{ models(filter: {{minContextWindow: {n}}}) {{ totalCount }} }}"
            sample = await call(
                session, "POST", f"{replica.url}/graphql", json_body={"query": body}
            )
            assert sample.status == 200, sample
        # The same documents again: known-good now, so GraphQL tries to cache them too.
        for n in range(300):
            body = f"{{ models(filter: {{minContextWindow: {n}}}) {{ totalCount }} }}"
            await call(session, "POST", f"{replica.url}/graphql", json_body={"query": body})
    stored = _cached_bytes(client)
    # Unbounded, the 300 list bodies alone are well over the budget.
    assert 0 < stored <= BUDGET, stored
    assert b"response cache budget" in replica.log_text().encode()


async def test_a_full_redis_does_not_switch_the_rate_limit_off(
    replicas: StartReplicas, database_url: str, engine: AsyncEngine, private_redis: PrivateRedis
) -> None:
    replica = await _replica(
        replicas, database_url, engine, private_redis, RATE_LIMIT_PER_MINUTE="5"
    )
    client = redis.Redis(port=private_redis.port)
    client.config_set("maxmemory", "4mb")  # our private server: never the shared one
    client.config_set("maxmemory-policy", "noeviction")
    filler = b"f" * 65536
    for n in range(1000):
        try:
            client.set(f"filler:{n}", filler)
        except redis.exceptions.ResponseError:  # OOM: Redis is full
            break
    else:
        raise AssertionError("the private Redis never filled up")
    client.config_set("maxmemory", "1mb")  # and stays over the limit, whatever it frees
    async with aiohttp.ClientSession() as session:
        statuses = [
            (await call(session, "GET", f"{replica.url}/v1/models?limit=1")).status
            for _ in range(8)
        ]
    assert statuses == [200] * 5 + [429] * 3, statuses


async def test_a_frozen_redis_is_skipped_after_a_few_failures(
    replicas: StartReplicas, database_url: str, engine: AsyncEngine, private_redis: PrivateRedis
) -> None:
    replica = await _replica(
        replicas, database_url, engine, private_redis, RATE_LIMIT_PER_MINUTE="1000000"
    )
    async with aiohttp.ClientSession() as session:
        for _ in range(3):  # warm: Redis answers
            assert (await call(session, "GET", f"{replica.url}/v1/models?limit=1")).ok
        private_redis.pause()
        try:
            samples = []
            for n in range(25):
                samples.append(await call(session, "GET", f"{replica.url}/v1/models?limit={n + 1}"))
        finally:
            private_redis.resume()
        assert all(s.ok for s in samples), [s.status for s in samples]
        # Each Redis call waits up to its 0.5 s timeout; the breaker opens after 3 failures
        # in a row, so only the first requests pay for it.
        later = [s.elapsed_s for s in samples[5:]]
        assert statistics.median(later) < 0.2, [round(s.elapsed_s, 3) for s in samples]
        # After the cool-down one probe closes the breaker: the limit is counted in Redis.
        await asyncio.sleep(5.5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            await call(session, "GET", f"{replica.url}/v1/models?limit=1")
            if redis.Redis(port=private_redis.port).keys("em:rl:*"):
                break
            await asyncio.sleep(0.2)
        else:
            raise AssertionError("the rate limiter never went back to Redis")
    assert "circuit breaker closed" in replica.log_text()
