"""Request id and the one structured log line per request (called by the edge,
server.middleware)."""

from __future__ import annotations

import logging
import random
import re
from typing import TypeVar

from aiohttp import web
from multidict import istr

from server.logs import fast_json_sink, json_text, now_iso

log = logging.getLogger("server.request")
K = TypeVar("K")
V = TypeVar("V")
_getrandbits = random.getrandbits

REQUEST_ID_HEADER = istr("X-Request-ID")
# Accept a caller's id only if it is short and harmless in a log line (and in a JSON string).
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def request_id_for(request: web.Request) -> str:
    """The caller's X-Request-ID when it is valid, else 32 random hex digits (the shape of
    uuid4().hex). An id only has to be unique, not secret: Python's generator (seeded
    from the OS at start-up and again after a fork) gives one without the getrandom
    system call os.urandom makes on every request."""
    supplied = request.headers.get(REQUEST_ID_HEADER)
    if supplied and _VALID_ID.match(supplied):
        return supplied
    return _getrandbits(128).to_bytes(16, "big").hex()  # a third of an f"{n:032x}"


def log_request(
    method: str, path: str, status: int, elapsed_ns: int, remote: str | None, request_id: str
) -> None:
    """`METHOD path status` at INFO, with method, path, status, duration_ms (2 decimals),
    remote and the request id as fields: the line JsonFormatter writes for such a record
    (same keys, order and values; tested), written straight to the JSON handler when it is
    the only sink, through `logging` otherwise (text format, pytest's caplog, handlers)."""
    if not log.isEnabledFor(logging.INFO):
        return
    sink = fast_json_sink(log)
    if sink is None:
        fields = {
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round(elapsed_ns / 1e6, 2),
            "remote": remote,
        }
        log.info("%s %s %s", method, path, status, extra=fields)
        return
    # Built as text, from pieces kept per (method, path, status): this runs for every
    # request, and a dict plus orjson cost several times as much. request_id holds only
    # [A-Za-z0-9._:-] (generated or validated), so it needs no escaping.
    head, middle = _pieces(method, path, status)
    tail = _TAILS.get(remote)
    if tail is None:
        tail = _tail(remote)
    hundredths = (elapsed_ns + 5_000) // 10_000  # of a millisecond, rounded
    sink.add_line(
        f'{{"time":"{now_iso()}"{head}{request_id}{middle}'
        f"{hundredths // 100}.{_DIGITS2[hundredths % 100]}{tail}"
    )


_DIGITS2 = [f"{n:02d}" for n in range(100)]
# (method, path, status) -> the JSON around the request id; bounded, since paths hold ids.
_PIECES: dict[tuple[str, str, int], tuple[str, str]] = {}
_PIECES_MAX = 4096


# remote address -> the end of the line; bounded like _PIECES.
_TAILS: dict[str | None, str] = {}


def _remember(cache: dict[K, V], key: K, value: V) -> V:
    """Store a computed piece; a full cache starts again (its keys come from clients)."""
    if len(cache) >= _PIECES_MAX:
        cache.clear()
    cache[key] = value
    return value


def _tail(remote: str | None) -> str:
    tail = ',"remote":null}' if remote is None else f',"remote":"{json_text(remote)}"}}'
    return _remember(_TAILS, remote, tail)


def _pieces(method: str, path: str, status: int) -> tuple[str, str]:
    key = (method, path, status)
    found = _PIECES.get(key)
    if found is None:
        m, p = json_text(method), json_text(path)
        found = _remember(
            _PIECES,
            key,
            (
                f',"level":"INFO","logger":"{log.name}","message":"{m} {p} {status}",'
                '"request_id":"',
                f'","method":"{m}","path":"{p}","status":{status},"duration_ms":',
            ),
        )
    return found
