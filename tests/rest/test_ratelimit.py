"""Rate limiting: per client IP, shared through Redis, fail-open, headers everywhere."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis

from server.core.settings import Settings
from server.http import metrics
from server.http.ratelimit import MAX_BATCH, Decision, RedisRateLimiter, client_ip
from tests.rest.conftest import Client, MakeClient

LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"),)
RATE_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")


def from_ip(ip: str) -> dict[str, str]:
    return {"X-Forwarded-For": ip}


async def test_every_response_carries_rate_limit_headers(client: Client) -> None:
    for path, status in (("/v1/openapi.json", 200), ("/v1/nope", 404), ("/v1/models?limit=0", 400)):
        resp = await client.get(path)
        assert resp.status == status
        assert resp.headers["RateLimit-Limit"] == "2000"
        assert 0 <= int(resp.headers["RateLimit-Remaining"]) < 2000
        assert 1 <= int(resp.headers["RateLimit-Reset"]) <= 60


async def test_health_ready_metrics_are_exempt(client: Client) -> None:
    for path in ("/health", "/ready", "/metrics"):
        resp = await client.get(path)
        assert resp.status == 200
        assert not any(h in resp.headers for h in RATE_HEADERS)


async def test_graphql_is_limited_too(client: Client) -> None:
    resp = await client.post("/graphql", json={"query": "{ __typename }"})
    assert resp.status == 200
    assert resp.headers["RateLimit-Limit"] == "2000"


async def _exhaust(client: Client, headers: dict[str, str], count: int) -> list[int]:
    statuses = []
    for _ in range(count):
        resp = await client.get("/v1/openapi.json", headers=headers)
        statuses.append(resp.status)
        resp.release()
    return statuses


async def test_2001st_request_from_one_ip_is_429_while_another_ip_is_served(
    make_client: MakeClient, settings_with_redis: Settings
) -> None:
    client = await make_client(settings_with_redis, trusted_proxies=LOOPBACK)
    statuses = await _exhaust(client, from_ip("203.0.113.7"), 2000)
    assert statuses == [200] * 2000
    rejected_before = metrics.RATE_LIMIT_REJECTIONS._value.get()
    resp = await client.get("/v1/openapi.json", headers=from_ip("203.0.113.7"))
    assert resp.status == 429
    body = await resp.json()
    assert body["error"]["code"] == "RATE_LIMITED"
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    assert resp.headers["RateLimit-Remaining"] == "0"
    assert metrics.RATE_LIMIT_REJECTIONS._value.get() == rejected_before + 1
    other = await client.get("/v1/openapi.json", headers=from_ip("198.51.100.9"))
    assert other.status == 200
    assert other.headers["RateLimit-Remaining"] == "1999"


async def test_in_process_limiter_without_redis(
    make_client: MakeClient, settings: Settings
) -> None:
    client = await make_client(settings, rate_limit_per_minute=3, trusted_proxies=LOOPBACK)
    assert await _exhaust(client, from_ip("203.0.113.8"), 4) == [200, 200, 200, 429]
    assert await _exhaust(client, from_ip("203.0.113.9"), 1) == [200]


async def test_the_limit_holds_across_two_app_instances(
    make_client: MakeClient, settings_with_redis: Settings
) -> None:
    first = await make_client(settings_with_redis, rate_limit_per_minute=5)
    second = await make_client(settings_with_redis, rate_limit_per_minute=5)
    assert await _exhaust(first, {}, 3) == [200, 200, 200]
    assert await _exhaust(second, {}, 3) == [200, 200, 429]
    assert await _exhaust(first, {}, 1) == [429]


async def _script_calls(redis: Redis) -> int:
    """How many EVALSHA/EVAL calls this Redis has answered (INFO commandstats): exact on a
    private server only, since the shared one serves every other test run too."""
    stats = await redis.info("commandstats")
    return sum(
        int(stats.get(f"cmdstat_{name}", {}).get("calls", 0)) for name in ("evalsha", "eval")
    )


@pytest.fixture
async def private_redis_client(private_redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(private_redis_url)
    yield client
    await client.aclose()


async def test_hits_in_one_loop_turn_count_exactly_one_single_key_call_each(
    private_redis_client: Redis,
) -> None:
    limiter = RedisRateLimiter(private_redis_client, limit=5)
    await limiter.hit("warm-up")
    before = await _script_calls(private_redis_client)
    clients = ["203.0.113.1"] * 7 + ["203.0.113.2"] * 2
    decisions = await asyncio.gather(*(limiter.hit(client) for client in clients))
    # One key per call (a Cluster can route each), sent as one pipeline.
    assert await _script_calls(private_redis_client) == before + len(clients)
    first, second = decisions[:7], decisions[7:]
    assert [d.remaining for d in first] == [4, 3, 2, 1, 0, 0, 0]  # in the order they asked
    assert [d.allowed for d in first] == [True] * 5 + [False] * 2
    assert [(d.allowed, d.remaining) for d in second] == [(True, 4), (True, 3)]
    assert all(1 <= d.reset_s <= 60 for d in decisions)


async def test_a_batch_larger_than_max_batch_is_split_and_counts_exactly(
    redis_client: Redis,
) -> None:
    limiter = RedisRateLimiter(redis_client, limit=10_000)
    decisions = await asyncio.gather(*(limiter.hit("203.0.113.3") for _ in range(MAX_BATCH + 1)))
    assert [d.remaining for d in decisions] == list(range(9_999, 10_000 - MAX_BATCH - 2, -1))


async def test_a_server_that_lost_its_scripts_still_counts(private_redis_client: Redis) -> None:
    limiter = RedisRateLimiter(private_redis_client, limit=5)
    assert (await limiter.hit("203.0.113.5")).remaining == 4  # loads the script
    await private_redis_client.script_flush()  # as after a restart or failover
    before = metrics.RATE_LIMIT_FAIL_OPEN._value.get()
    decisions = await asyncio.gather(*(limiter.hit("203.0.113.5") for _ in range(2)))
    assert [d.remaining for d in decisions] == [3, 2]
    assert metrics.RATE_LIMIT_FAIL_OPEN._value.get() == before


async def test_a_hit_cancelled_while_waiting_leaves_the_others_answered(
    redis_client: Redis,
) -> None:
    limiter = RedisRateLimiter(redis_client, limit=100)
    await limiter.hit("warm-up")
    hits = [asyncio.ensure_future(limiter.hit("203.0.113.4")) for _ in range(3)]
    await asyncio.sleep(0)  # all three queued, the script call not yet answered
    hits[1].cancel()
    done = await asyncio.gather(*hits, return_exceptions=True)
    assert isinstance(done[1], asyncio.CancelledError)
    # The cancelled request had already been counted (it did arrive); the others are answered.
    assert [d.remaining for d in done if isinstance(d, Decision)] == [99, 97]


async def test_concurrent_requests_through_two_apps_never_exceed_the_limit(
    make_client: MakeClient, settings_with_redis: Settings
) -> None:
    first = await make_client(settings_with_redis, rate_limit_per_minute=10)
    second = await make_client(settings_with_redis, rate_limit_per_minute=10)

    async def status(client: Client) -> int:
        resp = await client.get("/v1/openapi.json")
        resp.release()
        return resp.status

    statuses = await asyncio.gather(*(status(c) for _ in range(12) for c in (first, second)))
    assert sorted(statuses) == [200] * 10 + [429] * 14


async def test_forwarded_for_is_ignored_from_untrusted_peers(
    make_client: MakeClient, settings: Settings
) -> None:
    client = await make_client(settings, rate_limit_per_minute=2)
    statuses = [
        (await client.get("/v1/openapi.json", headers=from_ip(f"10.0.0.{i}"))).status
        for i in range(3)
    ]
    assert statuses == [200, 200, 429]  # all counted against the real peer, 127.0.0.1


@pytest.mark.parametrize(
    ("peer", "header", "expected"),
    [
        ("127.0.0.1", None, "127.0.0.1"),
        ("127.0.0.1", "203.0.113.1", "203.0.113.1"),
        ("127.0.0.1", "198.51.100.1, 203.0.113.1", "203.0.113.1"),  # rightmost untrusted hop
        ("127.0.0.1", "203.0.113.1, 127.0.0.1", "203.0.113.1"),  # our own proxies skipped
        ("127.0.0.1", "not-an-ip", "127.0.0.1"),
        ("192.0.2.5", "203.0.113.1", "192.0.2.5"),  # peer not trusted: header ignored
        (None, "203.0.113.1", "unknown"),
    ],
)
def test_client_ip(peer: str | None, header: str | None, expected: str) -> None:
    assert client_ip(peer, header, LOOPBACK) == expected


# ------------------------------------------------------------------ fail open


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def private_redis(tmp_path: object) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A redis-server of our own, on a free port, that this test may kill."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"redis://127.0.0.1:{port}/0", process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


async def _wait_for_redis(url: str) -> None:
    client = Redis.from_url(url)
    try:
        for _ in range(100):
            with contextlib.suppress(Exception):
                await client.ping()
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"private Redis at {url} did not start")
    finally:
        await client.aclose()


@pytest.fixture
async def private_redis_url(
    private_redis: tuple[str, subprocess.Popen[bytes]],
) -> str:
    await _wait_for_redis(private_redis[0])
    return private_redis[0]


async def test_redis_stopped_mid_test_fails_open_and_counts_it(
    make_client: MakeClient,
    settings: Settings,
    private_redis: tuple[str, subprocess.Popen[bytes]],
    private_redis_url: str,
) -> None:
    client = await make_client(settings, redis_url=private_redis_url, rate_limit_per_minute=50)
    first = await client.get("/v1/openapi.json")
    second = await client.get("/v1/openapi.json")
    assert (first.status, second.status) == (200, 200)
    assert int(second.headers["RateLimit-Remaining"]) == 48  # counted in Redis
    process = private_redis[1]
    process.kill()
    process.wait(timeout=10)
    failed_open_before = metrics.RATE_LIMIT_FAIL_OPEN._value.get()
    # Counted by the in-process limiter now (from zero): never everyone let through.
    statuses = await _exhaust(client, {}, 60)
    assert statuses == [200] * 50 + [429] * 10
    assert metrics.RATE_LIMIT_FAIL_OPEN._value.get() == failed_open_before + 60
    scrape = await (await client.get("/metrics")).text()
    assert "effect_models_rate_limit_fail_open_total" in scrape
