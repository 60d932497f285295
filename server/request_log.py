"""Request id and the one structured log line per request (called by the edge middleware,
server.middleware)."""

from __future__ import annotations

import logging
import random
import re

from aiohttp import web

from server.logs import info_line

log = logging.getLogger("server.request")

REQUEST_ID_HEADER = "X-Request-ID"
# Accept a caller's id only if it is short and harmless in a log line.
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
REQUEST_ID_KEY = web.RequestKey("request_id", str)


def request_id_for(request: web.Request) -> str:
    """The caller's X-Request-ID when it is valid, else 32 random hex digits (the shape of
    uuid4().hex). An id only has to be unique, not secret: Python's generator (seeded
    from the OS at start-up and again after a fork) gives one without the getrandom
    system call os.urandom makes on every request."""
    supplied = request.headers.get(REQUEST_ID_HEADER)
    if supplied and _VALID_ID.match(supplied):
        return supplied
    return f"{random.getrandbits(128):032x}"


def log_request(request: web.Request, status: int, seconds: float) -> None:
    """`METHOD path status` plus method, path, status, duration_ms and remote as fields;
    the request id comes from server.logs.request_id_var."""
    method = request.method
    path = request.path
    info_line(
        log,
        f"{method} {path} {status}",
        {
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "remote": request.remote,
        },
    )
