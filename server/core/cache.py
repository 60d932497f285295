"""Shared response cache: Redis when configured, in-process otherwise (DESIGN §6, §8.7).

Redis errors never fail a request: the cache reports a miss, the error is logged and
counted, and the caller builds the response from PostgreSQL.

Bounded (issue 13: one client stored ~0.8 MB per distinct `?all=true&...` URL for an hour,
+198 MB in 45 s, until Redis hit maxmemory): a body over RESPONSE_CACHE_MAX_ENTRY_BYTES is
never sent to Redis, and the bytes stored per clock hour (counted in Redis by all replicas
together) stop at RESPONSE_CACHE_MAX_BYTES_PER_HOUR; a store that would pass it is
refused (and not counted), and the replica serves uncached until the next hour. As entries
live at most 2 hours, the cache holds at most three hours' budgets at any moment. A store
is one script call: budget check, SET and count together (one round trip).

One instance per app, shared by REST and GraphQL (server.http.catalog_cache).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from server.core.bounds import Bounds
from server.core.redis_client import REDIS_FAILURES, RedisClient

log = logging.getLogger(__name__)

# Every key carries the hash tag {em-cache}: the store script touches an entry and its
# hour's byte counter in one call, which a Redis Cluster allows only within one slot. (So
# on a Cluster the whole cache lives on one node; it is bounded by the hourly budget.)
KEY_PREFIX = "em:cache:{em-cache}:"
BUDGET_PREFIX = "em:cache-bytes:{em-cache}:"  # + the clock hour: bytes stored in it
HOUR_S = 3600
# KEYS[1] = the entry, KEYS[2] = this hour's byte counter; ARGV[1] = the body, ARGV[2] =
# its TTL in seconds, ARGV[3] = the hour's budget. Stores the body and counts its bytes
# only when they fit (a SET that fails, e.g. OOM, aborts the script before the count);
# returns the hour's new total, or -1 when nothing was stored. The counter expires after
# the last entry stored in its hour can have.
_STORE = """
local size = string.len(ARGV[1])
local total = size + tonumber(redis.call('GET', KEYS[2]) or 0)
if total > tonumber(ARGV[3]) then return -1 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('INCRBY', KEYS[2], size)
if total == size then redis.call('EXPIRE', KEYS[2], 3 * 3600) end
return total
"""


class ResponseCache(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl_s: int) -> None: ...


class MemoryCache:
    """An LRU with per-entry expiry, for a single replica without Redis; bounded by entry
    count and by bytes."""

    def __init__(self, max_entries: int = 2048, max_bytes: int = 64 * 1024 * 1024) -> None:
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._bytes = 0

    async def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_at, value = entry
        if expires_at < time.monotonic():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return value

    async def set(self, key: str, value: bytes, ttl_s: int) -> None:
        if len(value) > self._max_bytes:
            return
        self._drop(key)
        self._entries[key] = (time.monotonic() + ttl_s, value)
        self._bytes += len(value)
        while len(self._entries) > self._max_entries or self._bytes > self._max_bytes:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: str) -> None:
        found = self._entries.pop(key, None)
        if found is not None:
            self._bytes -= len(found[1])


class RedisCache:
    def __init__(
        self,
        redis: RedisClient,
        on_error: Callable[[str], None] | None = None,
        bounds: Bounds | None = None,
    ) -> None:
        self._redis = redis
        self._on_error = on_error or (lambda operation: None)
        self._bounds = bounds or Bounds()
        self._store = redis.register_script(_STORE)
        self._full_hour = -1  # the clock hour whose budget this replica saw spent

    async def get(self, key: str) -> bytes | None:
        try:
            value = await self._redis.get(KEY_PREFIX + key)
        except REDIS_FAILURES as exc:
            self._failed("get", exc)
            return None
        if value is None:
            return None
        return value if isinstance(value, bytes) else str(value).encode()

    async def set(self, key: str, value: bytes, ttl_s: int) -> None:
        if len(value) > self._bounds.response_cache_max_entry_bytes:
            self._on_error("too_large")
            return
        hour = int(time.time()) // HOUR_S
        if hour == self._full_hour:
            self._on_error("over_budget")
            return
        budget = self._bounds.response_cache_max_bytes_per_hour
        try:
            total = await self._store(
                keys=[KEY_PREFIX + key, f"{BUDGET_PREFIX}{hour}"], args=[value, ttl_s, budget]
            )
        except REDIS_FAILURES as exc:
            self._failed("set", exc)
            return
        if int(total) < 0:
            self._over_budget(hour)

    def _over_budget(self, hour: int) -> None:
        self._full_hour = hour
        self._on_error("over_budget")
        log.warning(
            "response cache budget of %d bytes for this hour is spent: serving uncached "
            "until the next hour (RESPONSE_CACHE_MAX_BYTES_PER_HOUR)",
            self._bounds.response_cache_max_bytes_per_hour,
        )

    def _failed(self, operation: str, exc: BaseException) -> None:
        log.warning(
            "cache %s failed, serving without cache: %s: %s", operation, type(exc).__name__, exc
        )
        self._on_error(operation)


def create_cache(
    redis: RedisClient | None,
    on_error: Callable[[str], None] | None = None,
    bounds: Bounds | None = None,
) -> ResponseCache:
    return RedisCache(redis, on_error, bounds) if redis is not None else MemoryCache()
