"""Shared response cache: Redis when configured, in-process otherwise (DESIGN §6, §8.7).

Redis errors never fail a request: the cache reports a miss, the error is logged and
counted, and the caller builds the response from PostgreSQL.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from redis.exceptions import RedisError

from server.redis_client import RedisClient

log = logging.getLogger(__name__)

KEY_PREFIX = "em:cache:"


class ResponseCache(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl_s: int) -> None: ...


class MemoryCache:
    """A bounded LRU with per-entry expiry, for a single replica without Redis."""

    def __init__(self, max_entries: int = 2048) -> None:
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._max_entries = max_entries

    async def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_at, value = entry
        if expires_at < time.monotonic():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    async def set(self, key: str, value: bytes, ttl_s: int) -> None:
        self._entries[key] = (time.monotonic() + ttl_s, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)


class RedisCache:
    def __init__(self, redis: RedisClient, on_error: Callable[[str], None] | None = None) -> None:
        self._redis = redis
        self._on_error = on_error or (lambda operation: None)

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
        try:
            await self._redis.set(KEY_PREFIX + key, value, ex=ttl_s)
        except (RedisError, OSError, TimeoutError) as exc:
            self._failed("set", exc)

    def _failed(self, operation: str, exc: BaseException) -> None:
        log.warning(
            "cache %s failed, serving without cache: %s: %s", operation, type(exc).__name__, exc
        )
        self._on_error(operation)


def create_cache(
    redis: RedisClient | None, on_error: Callable[[str], None] | None = None
) -> ResponseCache:
    return RedisCache(redis, on_error) if redis is not None else MemoryCache()
