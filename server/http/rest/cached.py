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
from typing import TYPE_CHECKING

from aiohttp import hdrs, web
from multidict import CIMultiDict, istr

from server.http import metrics
from server.http.etag import not_modified

if TYPE_CHECKING:  # types only: the app's one cache and watcher come from catalog_cache
    from server.core.cache import ResponseCache
    from server.core.catalog_version import VersionWatch

# Bodies below this are sent as they are: gzip would save little and cost CPU.
GZIP_MIN_BYTES = 1024
LOCAL_ENTRIES = 256
LOCAL_BYTES = 64 * 1024 * 1024
CACHE_CONTROL = "public, max-age=60"
VERSION_HEADER = istr("X-Catalog-Version")


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
    def headers(self) -> CIMultiDict[str]:
        """Response headers, built once per entry: aiohttp copies them for each response,
        and copying a CIMultiDict is cheaper than building one from a dict."""
        return CIMultiDict(
            {
                hdrs.ETAG: self.etag,
                hdrs.CACHE_CONTROL: CACHE_CONTROL,
                hdrs.VARY: hdrs.ACCEPT_ENCODING,
                VERSION_HEADER: str(self.version),
                hdrs.CONTENT_TYPE: "application/json",
            }
        )

    @cached_property
    def gzip_headers(self) -> CIMultiDict[str]:
        headers = self.headers.copy()
        headers[hdrs.CONTENT_ENCODING] = "gzip"
        return headers

    @cached_property
    def not_modified_headers(self) -> CIMultiDict[str]:
        headers = self.headers.copy()
        del headers[hdrs.CONTENT_TYPE]
        return headers

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


LocalKey = tuple[int, str]  # (catalog version, key)


class LocalBodies:
    """A small LRU of decoded entries with expiry: the hot path does no decoding or copying.
    Bounded by entry count and by bytes (full-catalog bodies are over 1 MB each)."""

    def __init__(self, max_entries: int = LOCAL_ENTRIES, max_bytes: int = LOCAL_BYTES) -> None:
        self._entries: OrderedDict[LocalKey, tuple[float, CachedBody]] = OrderedDict()
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._bytes = 0

    def get(self, key: LocalKey) -> CachedBody | None:
        found = self._entries.get(key)
        if found is None:
            return None
        if found[0] < time.monotonic():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return found[1]

    def set(self, key: LocalKey, entry: CachedBody, ttl_s: float) -> None:
        self._drop(key)
        self._entries[key] = (time.monotonic() + ttl_s, entry)
        self._bytes += entry.size
        while self._entries and (
            len(self._entries) > self._max_entries or self._bytes > self._max_bytes
        ):
            self._drop(next(iter(self._entries)))

    def _drop(self, key: LocalKey) -> None:
        found = self._entries.pop(key, None)
        if found is not None:
            self._bytes -= found[1].size


# The local copy is short-lived so memory follows what is hot now.
_LOCAL_TTL_S = 300
_LOCAL_HITS = metrics.CACHE_HITS.labels("rest_local")
_SHARED_HITS = metrics.CACHE_HITS.labels("rest_shared")
_MISSES = metrics.CACHE_MISSES.labels("rest")


class BodyCache:
    """Cached response bodies of one app: an in-process LRU in front of the shared cache,
    both keyed by (catalog version, key), so a finished sync makes every older entry
    unreachable on all replicas at once and no copy can be older than its version."""

    def __init__(
        self, shared: ResponseCache, shared_is_local: bool, versions: VersionWatch
    ) -> None:
        self._local = LocalBodies()
        # Without Redis the shared cache would be a second in-process copy: skip it.
        self._shared = None if shared_is_local else shared
        self._versions = versions

    def hit(self, request: web.Request, key: str) -> web.Response | None:
        """The answer from this process's copy for the current version, else None. Awaits
        nothing: this is the whole of a cached answer's work in the handler."""
        version = self._versions.current
        entry = self._local.get((version, key)) if version >= 0 else None
        if entry is None:
            return None
        _LOCAL_HITS.inc()
        return respond(request, entry)

    async def answer(
        self, request: web.Request, key: str, ttl_s: int, build: Builder
    ) -> web.Response:
        """hit(), else the shared copy (kept locally from then on), else build the body once
        (stored under the version it was read with) and answer with it."""
        version = await self._versions.get()
        entry = self._local.get((version, key))
        if entry is not None:
            _LOCAL_HITS.inc()
        else:
            entry = await self._shared_entry(version, key)
        if entry is None:
            _MISSES.inc()
            version, body = await build()
            entry = CachedBody.build(version, body)
            await self._put(version, key, entry, ttl_s)
        return respond(request, entry)

    async def _shared_entry(self, version: int, key: str) -> CachedBody | None:
        if self._shared is None:
            return None
        raw = await self._shared.get(f"v{version}:{key}")
        entry = CachedBody.decode(raw) if raw is not None else None
        if entry is not None:
            _SHARED_HITS.inc()
            self._local.set((version, key), entry, _LOCAL_TTL_S)
        return entry

    async def _put(self, version: int, key: str, entry: CachedBody, ttl_s: int) -> None:
        self._local.set((version, key), entry, min(ttl_s, _LOCAL_TTL_S))
        if self._shared is not None:
            await self._shared.set(f"v{version}:{key}", entry.encode(), ttl_s)


def accepts_gzip(accept_encoding: str) -> bool:
    for item in accept_encoding.split(","):
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


def respond(request: web.Request, entry: CachedBody) -> web.Response:
    headers = request.headers
    if not_modified(request, entry.etag):
        return web.Response(status=304, headers=entry.not_modified_headers)
    if entry.gzipped is not None:
        accept_encoding = headers.get(hdrs.ACCEPT_ENCODING)
        if accept_encoding and accepts_gzip(accept_encoding):
            return web.Response(body=entry.gzipped, headers=entry.gzip_headers)
    return web.Response(body=entry.body, headers=entry.headers)
