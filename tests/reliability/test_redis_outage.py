"""Scenario 4: Redis down or slow.

A real replica with REDIS_URL pointing at the private redis-server. Stopped, restarted and
frozen (SIGSTOP: connections open, nothing answered), Redis never costs a request more than
a bounded delay: responses come from PostgreSQL, the rate limiter counts in process (and
counts that), and after repeated failures the circuit breaker skips Redis altogether.
"""

from __future__ import annotations

import asyncio
import re

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.reliability.conftest import StartReplicas
from tests.reliability.support.http import Sample, call
from tests.reliability.support.redis_server import PrivateRedis
from tests.reliability.support.replica import base_env
from tests.support.seed import seed_catalog

# Redis calls time out after 0.5 s (server/core/redis_client.py); a request makes a few of them.
BOUNDED_S = 5.0
ROUTES = ("/v1/models?limit=5", "/v1/models/openai%2Fgpt-4o", "/graphql")


async def _requests(base: str, count: int) -> list[Sample]:
    samples = []
    async with aiohttp.ClientSession() as session:
        for n in range(count):
            route = ROUTES[n % len(ROUTES)]
            if route == "/graphql":
                body = {"query": "{ models(first: 3) { totalCount } }"}
                samples.append(await call(session, "POST", base + route, json_body=body))
            else:
                samples.append(await call(session, "GET", base + route))
    return samples


def _assert_served(samples: list[Sample]) -> None:
    assert [s for s in samples if s.status != 200] == []
    slowest = max(s.elapsed_s for s in samples)
    assert slowest < BOUNDED_S, f"a request took {slowest:.2f}s with Redis unavailable"


async def _metric(base: str, name: str) -> float:
    async with aiohttp.ClientSession() as session, session.get(f"{base}/metrics") as resp:
        text = await resp.text()
    found = re.search(rf"^{re.escape(name)}(?:{{[^}}]*}})? ([0-9.e+]+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def _ready_checks(base: str) -> dict[str, str]:
    async with aiohttp.ClientSession() as session:
        sample = await call(session, "GET", f"{base}/ready")
    return dict(sample.body["checks"])


async def test_served_from_postgres_while_redis_is_down_restarted_or_frozen(
    replicas: StartReplicas, database_url: str, engine: AsyncEngine, private_redis: PrivateRedis
) -> None:
    await seed_catalog(engine)
    env = base_env(database_url, REDIS_URL=private_redis.url, RATE_LIMIT_PER_MINUTE="100000")
    [replica] = await replicas([env])
    _assert_served(await _requests(replica.url, 6))  # warm: responses now cached in Redis

    private_redis.stop()
    _assert_served(await _requests(replica.url, 12))
    assert (await _ready_checks(replica.url))["redis"] == "unavailable"

    private_redis.start()  # a fresh, empty Redis on the same port
    _assert_served(await _requests(replica.url, 6))

    private_redis.pause()
    try:
        _assert_served(await _requests(replica.url, 9))
    finally:
        private_redis.resume()
    _assert_served(await _requests(replica.url, 3))
    assert await _metric(replica.url, "effect_models_rate_limit_fail_open_total") >= 21


async def test_rate_limit_is_shared_then_fails_open_and_counts(
    replicas: StartReplicas, database_url: str, engine: AsyncEngine, private_redis: PrivateRedis
) -> None:
    await seed_catalog(engine)
    env = base_env(database_url, REDIS_URL=private_redis.url, RATE_LIMIT_PER_MINUTE="5")
    [replica] = await replicas([env])
    url = f"{replica.url}/v1/models?limit=1"
    async with aiohttp.ClientSession() as session:
        statuses = [(await call(session, "GET", url)).status for _ in range(6)]
        assert statuses == [200] * 5 + [429]

        private_redis.stop()
        before = await _metric(replica.url, "effect_models_rate_limit_fail_open_total")
        statuses = [(await call(session, "GET", url)).status for _ in range(8)]
        # Redis errors never lock clients out (the replica's own count starts from zero)
        # nor let one client through unlimited: the in-process limiter counts meanwhile.
        assert statuses == [200] * 5 + [429] * 3
        after = await _metric(replica.url, "effect_models_rate_limit_fail_open_total")
        assert after - before == 8

        private_redis.start()
        await asyncio.sleep(0.2)
        statuses = [(await call(session, "GET", url)).status for _ in range(7)]
    # The restarted Redis is empty, so a new window starts; the limit applies again.
    assert statuses[-1] == 429 and statuses.count(200) <= 5
