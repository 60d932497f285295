"""Shared response cache: Redis when configured, in-process otherwise (DESIGN §6, §8.7).

Redis errors never fail a request: the cache reports a miss, the error is logged and
counted, and the caller builds the response from PostgreSQL.

Bounded (issue 13: one client stored ~0.8 MB per distinct `?all=true&...` URL for an hour,
+198 MB in 45 s, until Redis hit maxmemory): a body over RESPONSE_CACHE_MAX_ENTRY_BYTES is
never sent to Redis, and the bytes stored per clock hour (counted in Redis by all replicas
together) stop at RESPONSE_CACHE_MAX_BYTES_PER_HOUR; beyond it responses are served
uncached until the next hour. As entries live at most 2 hours, the cache holds at most
three hours' budgets at any moment.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from redis.exceptions import RedisError

from server.core.bounds import Bounds
from server.core.redis_client import RedisClient

log = logging.getLogger(__name__)

KEY_PREFIX = "em:cache:"
BUDGET_PREFIX = "em:cache-bytes:"  # + the clock hour: bytes stored in it by all replicas
HOUR_S = 3600
# KEYS[1] = this hour's byte counter, ARGV[1] = bytes to add. Returns the new total; the
# counter expires after the last entry stored in its hour can have.
_ADD_BYTES = """
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
if total == tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], 3 * 3600) end
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
        self._add_bytes = redis.register_script(_ADD_BYTES)
        self._full_hour = -1  # the clock hour whose budget this replica saw spent

    async def get(self, key: str) -> bytes | None:
        try:
            value = await self._redis.get(KEY_PREFIX + key)
        except (RedisError, OSError, TimeoutError) as exc:
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
        try:
            stored = await self._add_bytes(keys=[f"{BUDGET_PREFIX}{hour}"], args=[len(value)])
            if int(stored) > self._bounds.response_cache_max_bytes_per_hour:
                self._over_budget(hour)
                return
            await self._redis.set(KEY_PREFIX + key, value, ex=ttl_s)
        except (RedisError, OSError, TimeoutError) as exc:
            self._failed("set", exc)

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
