"""Cached JSON bodies for catalog responses: ETag, 304, gzip, Cache-Control, version header.

A body is built once per catalog version and stored in a small in-process LRU in front of
the shared cache (Redis when configured). Keys include the catalog version, so a finished
sync makes every old key unreachable on all replicas at once, and the in-process copy can
never serve data older than the version it was looked up with.
"""

from __future__ import annotations

import gzip
import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

from aiohttp import web

from server import metrics
from server.cache import ResponseCache

# Bodies below this are sent as they are: gzip would save little and cost CPU.
GZIP_MIN_BYTES = 1024
LOCAL_ENTRIES = 256
LOCAL_BYTES = 64 * 1024 * 1024
CACHE_CONTROL = "public, max-age=60"
VERSION_HEADER = "X-Catalog-Version"


@dataclass(frozen=True)
class CachedBody:
    version: int
    etag: str
    body: bytes
    gzipped: bytes | None

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped or b"")

    @cached_property
    def headers(self) -> dict[str, str]:
        """Response headers, built once per entry (aiohttp copies them per response)."""
        return {
            "ETag": self.etag,
            "Cache-Control": CACHE_CONTROL,
            "Vary": "Accept-Encoding",
            VERSION_HEADER: str(self.version),
            "Content-Type": "application/json",
        }

    @cached_property
    def gzip_headers(self) -> dict[str, str]:
        return {**self.headers, "Content-Encoding": "gzip"}

    def encode(self) -> bytes:
        gz = self.gzipped or b""
        header = f"{self.version} {self.etag} {len(self.body)} {len(gz)}\n".encode()
        return header + self.body + gz

    @classmethod
    def decode(cls, raw: bytes) -> CachedBody | None:
        header, sep, rest = raw.partition(b"\n")
        parts = header.split(b" ")
        if not sep or len(parts) != 4:
            return None  # written by an incompatible version: treat as a miss
        version, etag, body_len, gz_len = parts
        n, g = int(body_len), int(gz_len)
        if len(rest) != n + g:
            return None
        return cls(int(version), etag.decode(), rest[:n], rest[n:] if g else None)

    @classmethod
    def build(cls, version: int, body: bytes) -> CachedBody:
        digest = hashlib.blake2b(body, digest_size=10).hexdigest()
        gz = gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= GZIP_MIN_BYTES else None
        return cls(version, f'"v{version}-{digest}"', body, gz)


Builder = Callable[[], Awaitable[tuple[int, bytes]]]  # -> (version read with the data, body)


class LocalBodies:
    """A small LRU of decoded entries with expiry: the hot path does no decoding or copying.
    Bounded by entry count and by bytes (full-catalog bodies are over 1 MB each)."""

    def __init__(self, max_entries: int = LOCAL_ENTRIES, max_bytes: int = LOCAL_BYTES) -> None:
        self._entries: OrderedDict[str, tuple[float, CachedBody]] = OrderedDict()
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._bytes = 0

    def get(self, key: str) -> CachedBody | None:
        found = self._entries.get(key)
        if found is None:
            return None
        if found[0] < time.monotonic():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return found[1]

    def set(self, key: str, entry: CachedBody, ttl_s: float) -> None:
        self._drop(key)
        self._entries[key] = (time.monotonic() + ttl_s, entry)
        self._bytes += entry.size
        while self._entries and (
            len(self._entries) > self._max_entries or self._bytes > self._max_bytes
        ):
            self._drop(next(iter(self._entries)))

    def _drop(self, key: str) -> None:
        found = self._entries.pop(key, None)
        if found is not None:
            self._bytes -= found[1].size


# The local copy is short-lived so memory follows what is hot now.
_LOCAL_TTL_S = 300
_LOCAL_HITS = metrics.CACHE_HITS.labels(layer="rest_local")
_SHARED_HITS = metrics.CACHE_HITS.labels(layer="rest_shared")
_MISSES = metrics.CACHE_MISSES.labels(layer="rest")


class BodyCache:
    """In-process LRU in front of the shared cache; both keyed by version-bearing keys."""

    def __init__(self, shared: ResponseCache, shared_is_local: bool) -> None:
        self._local = LocalBodies()
        # Without Redis the shared cache would be a second in-process copy: skip it.
        self._shared = None if shared_is_local else shared

    def local(self, key: str) -> CachedBody | None:
        """The in-process copy, without a coroutine: the hot path of every cached answer."""
        entry = self._local.get(key)
        if entry is not None:
            _LOCAL_HITS.inc()
        return entry

    async def shared(self, key: str) -> CachedBody | None:
        """After a local miss: the shared copy (kept locally from then on), else a miss."""
        if self._shared is not None:
            raw = await self._shared.get(key)
            entry = CachedBody.decode(raw) if raw is not None else None
            if entry is not None:
                _SHARED_HITS.inc()
                self._local.set(key, entry, _LOCAL_TTL_S)
                return entry
        _MISSES.inc()
        return None

    async def put(self, key: str, entry: CachedBody, ttl_s: int) -> None:
        self._local.set(key, entry, min(ttl_s, _LOCAL_TTL_S))
        if self._shared is not None:
            await self._shared.set(key, entry.encode(), ttl_s)


def accepts_gzip(request: web.Request) -> bool:
    for item in request.headers.get("Accept-Encoding", "").split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            q = params.strip().lower()
            return not (q.startswith("q=") and _zero(q[2:]))
    return False


def _zero(q: str) -> bool:
    try:
        return float(q) == 0
    except ValueError:
        return False


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    wanted = etag.strip('"')
    for candidate in if_none_match.split(","):
        tag = candidate.strip()
        if tag == "*":
            return True
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag.strip('"') == wanted:
            return True
    return False


def respond(request: web.Request, entry: CachedBody) -> web.Response:
    if etag_matches(request.headers.get("If-None-Match"), entry.etag):
        headers = {k: v for k, v in entry.headers.items() if k != "Content-Type"}
        return web.Response(status=304, headers=headers)
    if entry.gzipped is not None and accepts_gzip(request):
        return web.Response(body=entry.gzipped, headers=entry.gzip_headers)
    return web.Response(body=entry.body, headers=entry.headers)


class KnowsVersion(Protocol):
    current: int  # < 0 until first read

    async def get(self) -> int: ...


async def serve_cached(
    request: web.Request,
    cache: BodyCache,
    catalog_version: KnowsVersion,
    key: str,
    ttl_s: int,
    build: Builder,
) -> web.Response:
    """Answer from the cache entry for (the current catalog version, key), building it on a
    miss. A local hit awaits nothing."""
    version = catalog_version.current
    if version < 0:
        version = await catalog_version.get()
    versioned_key = f"v{version}:{key}"
    entry = cache.local(versioned_key) or await cache.shared(versioned_key)
    if entry is None:
        version, body = await build()
        entry = CachedBody.build(version, body)
        await cache.put(f"v{version}:{key}", entry, ttl_s)
    return respond(request, entry)
