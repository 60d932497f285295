"""Per-client-IP rate limiting (DESIGN §6): RATE_LIMIT_PER_MINUTE requests per minute.

A fixed one-minute window per IP, counted atomically in Redis by one single-key Lua script
(INCR and expiry in one step, so every replica shares the count). A replica has one batch
out at a time, and the requests that arrive meanwhile share the next one: a pipeline of one
script call per request, in arrival order, so a busy replica pays far fewer round trips
than it serves requests. Every call touches one key, so this works on a single Redis and on
a Redis Cluster alike (redis-py's cluster pipeline sends each call to the node owning its
key). Without Redis an in-process counter does the same for a single replica. When Redis
errors (a Cluster node down included) the request is counted by this replica's in-process
limiter instead (a broken Redis must not take the API down, nor let one client through
unlimited while it is full or frozen). Each such request is counted
(`effect_models_rate_limit_fail_open_total`) and logged at warning level, at most once per
LOG_EVERY_S so an outage does not flood the log; a Cluster redirection (a single-server
client talking to a Cluster node) is logged as an error.

Every response carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`
(seconds until the window resets); a 429 adds `Retry-After`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections.abc import MutableMapping, Sequence
from math import ceil
from time import monotonic
from typing import Any, NamedTuple, NoReturn, Protocol

from aiohttp import hdrs, web
from multidict import istr
from redis.exceptions import (
    AskError,
    ClusterCrossSlotError,
    MovedError,
    NoScriptError,
)

from server.core.errors import RateLimited
from server.core.redis_client import REDIS_FAILURES, RedisClient
from server.core.settings import IpNetwork, Settings
from server.http import metrics

log = logging.getLogger(__name__)

WINDOW_MS = 60_000
KEY_PREFIX = "em:rl:"
EXEMPT_PATHS = frozenset({"/health", "/ready", "/metrics"})
LOG_EVERY_S = 10.0

# KEYS[1] = the client's counter, ARGV[1] = window in ms. Returns {count, ms until reset}.
# The expiry is set on the first hit of a window; a key that somehow lost its TTL gets one.
_LUA = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""
# Replies that mean REDIS_URL is a Cluster node but this client is a single-server one.
_CLUSTER_REDIRECTS = (MovedError, AskError, ClusterCrossSlotError)
# Requests counted by one script call at most (a longer queue takes several calls).
MAX_BATCH = 256


class Decision(NamedTuple):  # a tuple: built on every request, so cheap to create
    allowed: bool
    limit: int
    remaining: int
    reset_s: int  # seconds until the window resets

    def headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        self.add_headers(headers)
        return headers

    def add_headers(self, headers: MutableMapping[str, str]) -> None:
        # Every response carries these three: small numbers come from a table, not str().
        limit, remaining, reset_s = self.limit, self.remaining, self.reset_s
        headers[LIMIT_HEADER] = _TEXT[limit] if limit < _TEXT_SIZE else str(limit)
        headers[REMAINING_HEADER] = _TEXT[remaining] if remaining < _TEXT_SIZE else str(remaining)
        headers[RESET_HEADER] = _TEXT[reset_s] if reset_s < _TEXT_SIZE else str(reset_s)


# istr: multidict keeps their case-folded form, so setting them on every response is cheap.
LIMIT_HEADER = istr("RateLimit-Limit")
REMAINING_HEADER = istr("RateLimit-Remaining")
RESET_HEADER = istr("RateLimit-Reset")
# "0" … "4095": covers the default limit (2000), its remaining counts and every reset.
_TEXT_SIZE = 4096
_TEXT = [str(n) for n in range(_TEXT_SIZE)]


def _decide(limit: int, count: int, ttl_ms: int) -> Decision:
    # -(-a // b) is ceil(a / b) in integers (this runs on every request).
    return Decision(count <= limit, limit, max(limit - count, 0), max(-(-ttl_ms // 1000), 1))


class RateLimiter(Protocol):
    def hit_now(self, client: str) -> Decision | None:
        """The decision when it needs no I/O (the in-process limiter), else None."""

    async def hit(self, client: str) -> Decision: ...


class _Window:
    __slots__ = ("count", "ends_at")

    def __init__(self, ends_at: float) -> None:
        self.ends_at = ends_at  # time.monotonic() seconds
        self.count = 0


class MemoryRateLimiter:
    """Fixed windows in a dict, for one replica without Redis."""

    def __init__(self, limit: int, window_ms: int = WINDOW_MS) -> None:
        self._limit = limit
        self._window_s = window_ms / 1000
        self._reset_max_s = ceil(self._window_s)
        self._windows: dict[str, _Window] = {}  # updated in place on every hit
        self._next_sweep = 0.0

    async def hit(self, client: str) -> Decision:
        return self.hit_now(client)

    def hit_now(self, client: str) -> Decision:
        now = monotonic()
        if now >= self._next_sweep:
            self._sweep(now)
        window = self._windows.get(client)
        if window is None or window.ends_at <= now:
            window = self._windows[client] = _Window(now + self._window_s)
        window.count += 1
        count, limit = window.count, self._limit
        remaining = limit - count if count < limit else 0
        # ceil(> 0) >= 1; the min because (now + 60.0) - now can round to 60.000000001 and
        # RateLimit-Reset would say 61. tuple.__new__ skips the NamedTuple's Python __new__.
        reset_s = min(ceil(window.ends_at - now), self._reset_max_s)
        return _new_tuple(Decision, (count <= limit, limit, remaining, reset_s))

    def _sweep(self, now: float) -> None:
        # Drop finished windows now and then, so memory stays bounded by active clients.
        self._next_sweep = now + self._window_s
        self._windows = {k: v for k, v in self._windows.items() if v.ends_at > now}


_new_tuple = tuple.__new__


class RedisRateLimiter:
    """The shared limiter; fails open (allows, counts, warns) when Redis errors.

    hit() queues the client and waits. One sender task sends the queued hits (at most
    MAX_BATCH) as one pipeline of single-key script calls, one pipeline at a time: the hits
    that arrive while one is out ride on the next, so the busier the replica, the fewer
    round trips per hit.
    """

    def __init__(self, redis: RedisClient, limit: int, window_ms: int = WINDOW_MS) -> None:
        self._redis = redis
        self._limit = limit
        self._window_ms = window_ms
        self._sha = redis.register_script(_LUA).sha
        self._fallback = MemoryRateLimiter(limit, window_ms)  # while Redis fails
        self._last_warning = float("-inf")
        self._unlogged_failures = 0
        self._queued: list[tuple[str, asyncio.Future[Decision]]] = []
        self._sender: asyncio.Task[None] | None = None

    def hit_now(self, client: str) -> None:
        return None  # always a round trip to Redis

    async def hit(self, client: str) -> Decision:
        decided: asyncio.Future[Decision] = asyncio.get_running_loop().create_future()
        self._queued.append((client, decided))
        if self._sender is None:  # it starts after this loop turn: this turn's hits join
            self._sender = asyncio.ensure_future(self._send_queued())
        return await decided

    async def _send_queued(self) -> None:
        try:
            while self._queued:
                batch = self._queued[:MAX_BATCH]
                del self._queued[:MAX_BATCH]
                await self._count(batch)
        finally:
            self._sender = None

    async def _count(self, batch: list[tuple[str, asyncio.Future[Decision]]]) -> None:
        waiting = [decided for _, decided in batch]
        try:
            decisions = await self._decisions([client for client, _ in batch])
        except asyncio.CancelledError:  # shutting down: so are the requests waiting
            for decided in waiting:
                decided.cancel()
            raise
        except Exception as exc:  # not a Redis failure: each request answers it (a 500)
            for decided in waiting:
                if not decided.done():
                    decided.set_exception(exc)
            return
        for decided, decision in zip(waiting, decisions, strict=True):
            if not decided.done():  # its request may have been cancelled meanwhile
                decided.set_result(decision)

    async def _decisions(self, clients: list[str]) -> list[Decision]:
        try:
            replies = await self._run_script([KEY_PREFIX + client for client in clients])
        except REDIS_FAILURES as exc:
            return [self._fail_open(exc, client) for client in clients]
        limit = self._limit
        # A reply may be an error of its own (a Cluster node down): that hit fails open.
        return [
            self._fail_open(reply, client)
            if isinstance(reply, BaseException)
            else _decide(limit, int(reply[0]), int(reply[1]))
            for client, reply in zip(clients, replies, strict=True)
        ]

    async def _run_script(self, keys: list[str]) -> list[Any]:
        replies = await self._pipeline(keys)
        missing = [i for i, reply in enumerate(replies) if isinstance(reply, NoScriptError)]
        if missing:  # a new or restarted server: load the script (on every primary), retry
            await self._redis.script_load(_LUA)
            retried = await self._pipeline([keys[i] for i in missing])
            for i, reply in zip(missing, retried, strict=True):
                replies[i] = reply
        return replies

    async def _pipeline(self, keys: list[str]) -> list[Any]:
        pipe = self._redis.pipeline(transaction=False)
        for key in keys:
            pipe.evalsha(self._sha, 1, key, self._window_ms)
        return list(await pipe.execute(raise_on_error=False))

    def _fail_open(self, exc: BaseException, client: str) -> Decision:
        metrics.RATE_LIMIT_FAIL_OPEN.inc()
        self._unlogged_failures += 1
        now = time.monotonic()
        if now - self._last_warning >= LOG_EVERY_S:
            self._log_failure(exc)
            self._last_warning = now
            self._unlogged_failures = 0
        return self._fallback.hit_now(client)

    def _log_failure(self, exc: BaseException) -> None:
        if isinstance(exc, _CLUSTER_REDIRECTS):
            log.error(
                "rate limiter counting in process (%d request(s)): REDIS_URL is a Redis "
                "Cluster node but this replica uses a single-server client (Redis was not "
                "reachable at start-up); restart it so it detects the Cluster. %s: %s",
                self._unlogged_failures,
                type(exc).__name__,
                exc,
            )
            return
        log.warning(
            "rate limiter counting in process (%d request(s)): Redis error %s: %s",
            self._unlogged_failures,
            type(exc).__name__,
            exc,
        )


def create_rate_limiter(redis: RedisClient | None, limit: int) -> RateLimiter:
    return RedisRateLimiter(redis, limit) if redis is not None else MemoryRateLimiter(limit)


# ------------------------------------------------------------------ client identity


def client_ip(peer: str | None, forwarded_for: str | None, trusted: Sequence[IpNetwork]) -> str:
    """The caller's IP. X-Forwarded-For counts only when the peer is a trusted proxy; it is
    read right to left, skipping our own proxies, so a client cannot spoof it by prepending."""
    if not forwarded_for or not trusted:
        return peer or "unknown"  # the common case: nothing to parse
    peer_ip = _parse_ip(peer)
    if peer_ip is None:
        return peer or "unknown"
    if not _is_trusted(peer_ip, trusted):
        return str(peer_ip)
    hops = [_parse_ip(part.strip()) for part in forwarded_for.split(",")]
    if any(hop is None for hop in hops):
        return str(peer_ip)  # a malformed header is ignored, not trusted partially
    for hop in reversed(hops):
        assert hop is not None
        if not _is_trusted(hop, trusted):
            return str(hop)
    return str(hops[0])


def _parse_ip(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not value:
        return None
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _is_trusted(
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address, trusted: Sequence[IpNetwork]
) -> bool:
    return any(ip in network for network in trusted)


# ------------------------------------------------------------------ per request


class RateLimit:
    """One app's rate limit: the limiter chosen at start-up and who counts as a client.
    Called by the edge for every request outside EXEMPT_PATHS; it adds the
    decision's headers to the response. A refusal raises RateLimited, with every header."""

    def __init__(self, limiter: RateLimiter, trusted_proxies: Sequence[IpNetwork]) -> None:
        self._limiter = limiter
        self._trusted = tuple(trusted_proxies)

    def admit_now(self, request: web.Request) -> Decision | None:
        """The decision when the limiter gives it without I/O, else None (then: admit)."""
        decision = self._limiter.hit_now(self._client(request))
        if decision is not None and not decision.allowed:
            _refuse(decision)
        return decision

    async def admit(self, request: web.Request) -> Decision:
        decision = await self._limiter.hit(self._client(request))
        if not decision.allowed:
            _refuse(decision)
        return decision

    def _client(self, request: web.Request) -> str:
        if not self._trusted:  # the common case: nothing to parse
            return request.remote or "unknown"
        forwarded_for = request.headers.get(hdrs.X_FORWARDED_FOR)
        return client_ip(request.remote, forwarded_for, self._trusted)


def _refuse(decision: Decision) -> NoReturn:
    metrics.RATE_LIMIT_REJECTIONS.inc()
    raise RateLimited(
        f"rate limit of {decision.limit} requests per minute exceeded; "
        f"retry in {decision.reset_s} s",
        details={"limit": decision.limit, "retryAfter": decision.reset_s},
        headers={**decision.headers(), "Retry-After": str(decision.reset_s)},
    )


def create_rate_limit(redis: RedisClient | None, settings: Settings) -> RateLimit:
    limiter = create_rate_limiter(redis, settings.rate_limit_per_minute)
    return RateLimit(limiter, settings.trusted_proxies)
