"""HTTP (and file://) fetching for the upstream adapters.

Per request: a timeout, a body size cap, JSON parsing with a clear message. Around it:
3 attempts with exponential backoff and jitter on connection errors, 429 (honouring
Retry-After) and 5xx; a minimum gap between two requests to the same host; and the
caller's overall deadline (`asyncio.timeout`) bounding everything.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import aiohttp
import orjson
from multidict import CIMultiDictProxy

ATTEMPTS = 3
DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024  # models.dev is ~2.4 MB; leave ample room
DEFAULT_REQUEST_TIMEOUT_S = 30.0
MAX_REDIRECTS = 10
_CHUNK = 256 * 1024


class SourceFailure(Exception):
    """The source could not be fetched or parsed; its stored data stays as it was."""


class SourceSkipped(Exception):
    """The source is not configured (e.g. no Artificial Analysis key); not a failure."""


class _Retryable(Exception):
    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class FetchLimits:
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    request_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S


@dataclass(frozen=True)
class Page:
    url: str
    body: Any
    headers: CIMultiDictProxy[str] | None = None

    def header(self, name: str) -> str | None:
        return self.headers.get(name) if self.headers is not None else None


@dataclass
class Fetcher:
    session: aiohttp.ClientSession
    retry_base_ms: int
    min_gap_ms: int
    limits: FetchLimits = field(default_factory=FetchLimits)
    _last_request: dict[str, float] = field(default_factory=dict)
    _host_locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    async def get_json(self, url: str, headers: dict[str, str] | None = None) -> Page:
        if url.startswith("file://"):
            return Page(url=url, body=_parse_json(url, _read_file(url, self.limits)))
        last_error = ""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await self._attempt(url, headers or {})
            except _Retryable as exc:
                last_error = str(exc)
                if attempt == ATTEMPTS:
                    break
                await asyncio.sleep(self._backoff_s(attempt, exc.retry_after_s))
        raise SourceFailure(f"{last_error} (gave up after {ATTEMPTS} attempts)")

    def _backoff_s(self, attempt: int, retry_after_s: float | None) -> float:
        if retry_after_s is not None:
            return retry_after_s
        base = self.retry_base_ms / 1000 * 2 ** (attempt - 1)
        # Full jitter on half the delay: replicas that failed together do not retry together.
        return float(base / 2 + random.uniform(0, base / 2))

    async def _attempt(self, url: str, headers: dict[str, str]) -> Page:
        await self._wait_for_host(url)
        timeout = aiohttp.ClientTimeout(total=self.limits.request_timeout_s)
        try:
            async with self.session.get(
                url, headers=headers, timeout=timeout, max_redirects=MAX_REDIRECTS
            ) as resp:
                if resp.status == 429 or resp.status >= 500:
                    raise _Retryable(
                        f"HTTP {resp.status} from {_where(url)}",
                        _retry_after_s(resp.headers.get("Retry-After")),
                    )
                if resp.status >= 400:
                    raise SourceFailure(f"HTTP {resp.status} from {_where(url)}")
                body = await _read_capped(resp, url, self.limits.max_body_bytes)
                return Page(url=str(resp.url), body=_parse_json(url, body), headers=resp.headers)
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
            reason = str(exc) or type(exc).__name__
            raise _Retryable(f"connection error from {_where(url)}: {reason}") from None
        except TimeoutError:
            raise _Retryable(
                f"no answer from {_where(url)} within {self.limits.request_timeout_s:g} s"
            ) from None
        except aiohttp.TooManyRedirects:
            raise SourceFailure(
                f"{_where(url)} redirected more than {MAX_REDIRECTS} times (a redirect loop?)"
            ) from None
        except aiohttp.ClientError as exc:
            # Anything else aiohttp refuses (a redirect to a non-HTTP URL, a malformed status
            # line or header) fails this source with a reason instead of the whole run.
            detail = f"{type(exc).__name__}: {exc}"[:300]
            raise SourceFailure(f"bad response from {_where(url)}: {detail}") from None

    async def _wait_for_host(self, url: str) -> None:
        host = urlsplit(url).netloc
        lock = self._host_locks.setdefault(host, asyncio.Lock())
        async with lock:
            gap_s = self.min_gap_ms / 1000
            wait = self._last_request.get(host, float("-inf")) + gap_s - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last_request[host] = time.monotonic()


def _where(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _retry_after_s(value: str | None) -> float | None:
    """Retry-After is either seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


async def _read_capped(resp: aiohttp.ClientResponse, url: str, max_bytes: int) -> bytes:
    too_big = f"response from {_where(url)} is larger than the {max_bytes} byte cap"
    if resp.content_length is not None and resp.content_length > max_bytes:
        raise SourceFailure(too_big)
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise SourceFailure(too_big)
        chunks.append(chunk)
    return b"".join(chunks)


def _read_file(url: str, limits: FetchLimits) -> bytes:
    path = Path(url2pathname(unquote(urlsplit(url).path)))
    try:
        if path.stat().st_size > limits.max_body_bytes:
            raise SourceFailure(f"{path} is larger than the {limits.max_body_bytes} byte cap")
        return path.read_bytes()
    except OSError as exc:
        raise SourceFailure(f"cannot read {path}: {exc.strerror or exc}") from None


def _parse_json(url: str, body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        start = body.lstrip()[:15].lower()
        if start.startswith((b"<!doctype", b"<html", b"<")):
            raise SourceFailure(
                f"{_where(url)} returned an HTML page instead of JSON (an error or login page?)"
            ) from None
        raise SourceFailure(f"{_where(url)} returned invalid JSON: {exc}") from None
