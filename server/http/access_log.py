"""Request ids and the one log line per request, written by aiohttp's access logger.

aiohttp calls the access logger of its server (`access_log_class`) once per answered
request; RequestLog writes the line through `logging` on the `server.request` logger:
message `METHOD path status` at INFO with the fields method, path, status, duration_ms,
remote and request_id (server.core.logs formats it as JSON or text). Pass
`access_log_options(settings)` to `web.run_app` or `AppRunner` (the CLI, the benches and
the test client do).

ACCESS_LOG chooses which requests get the line: `all` (the default), `errors` (responses
with status 400 or more) or `sampled` (every error, and one in ACCESS_LOG_SAMPLE_EVERY of
the other requests). The line is most of what a request costs the server beyond aiohttp
itself (BENCHMARKS.md, "REST edge, sixth pass"); the choice is the operator's.
"""

from __future__ import annotations

import itertools
import logging
import random
import re
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from server.core.settings import Settings

REQUEST_LOG = logging.getLogger("server.request")
REQUEST_ID_HEADER = "X-Request-ID"
# Accept a caller's id only if it is short and harmless in a log line (and in a JSON string).
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def request_id_for(request: web.BaseRequest) -> str:
    """The caller's X-Request-ID when it is valid, else 32 random hex digits.

    An id only has to be unique, not secret: Python's generator (seeded from the OS at
    start-up and again after a fork) gives one without the getrandom system call that
    `secrets`/os.urandom makes on every request (~25 µs each on this VM, bench/rest_ab.py).
    """
    supplied = request.headers.get(REQUEST_ID_HEADER)
    if supplied and _VALID_ID.match(supplied):
        return supplied
    return random.getrandbits(128).to_bytes(16, "big").hex()


class RequestLog(AbstractAccessLogger):
    """aiohttp's access-logger extension point, writing our structured line for every
    request (ACCESS_LOG=all; access_log_options makes the subclasses that keep fewer)."""

    def keeps(self, status: int) -> bool:
        """Whether a response with this status gets a line."""
        return True

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        status = response.status
        if not self.keeps(status) or not REQUEST_LOG.isEnabledFor(logging.INFO):
            return
        method, path = request.method, request.path
        # The record Logger.info would make, built directly: its message needs no %-args,
        # and the fields go into it at once instead of through `extra`'s per-key checks.
        record = logging.LogRecord(
            REQUEST_LOG.name, logging.INFO, _NO_CALLER, 0, f"{method} {path} {status}", None, None
        )
        fields = record.__dict__
        fields["method"] = method
        fields["path"] = path
        fields["status"] = status
        fields["duration_ms"] = round(time * 1000, 2)
        fields["remote"] = request.remote
        fields["request_id"] = response.headers.get(REQUEST_ID_HEADER)
        REQUEST_LOG.handle(record)

    @property
    def enabled(self) -> bool:
        return REQUEST_LOG.isEnabledFor(logging.INFO)


# What Logger.info records as the caller when caller lookup is off (server.core.logs).
_NO_CALLER = "(unknown file)"
# Statuses from here on are errors: always logged unless the log level drops the line.
ERROR_STATUS = 400


class ErrorRequestLog(RequestLog):
    """ACCESS_LOG=errors: a line for each response with status 400 or more."""

    def keeps(self, status: int) -> bool:
        return status >= ERROR_STATUS


def sampled_request_log(every: int) -> type[RequestLog]:
    """ACCESS_LOG=sampled: every error's line, and one in `every` of the others (counted
    over the whole process, in the order requests finish)."""
    successes = itertools.count()

    class SampledRequestLog(RequestLog):
        def keeps(self, status: int) -> bool:
            return status >= ERROR_STATUS or next(successes) % every == 0

    return SampledRequestLog


def access_log_options(settings: Settings | None = None) -> dict[str, Any]:
    """Keyword arguments for web.run_app / web.AppRunner: the request log above, keeping
    the requests settings.access_log names (all of them without settings)."""
    chosen = settings.access_log if settings is not None else "all"
    access_log_class: type[RequestLog] = RequestLog
    if chosen == "errors":
        access_log_class = ErrorRequestLog
    elif chosen == "sampled":
        assert settings is not None
        access_log_class = sampled_request_log(settings.access_log_sample_every)
    return {"access_log_class": access_log_class, "access_log": REQUEST_LOG}
