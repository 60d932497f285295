"""The request log line: one JSON line per request with id, method, path, status, duration,
whether it goes through the fast path (our JSON handler alone) or through `logging`."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import orjson
import pytest

from server import logs
from server.logs import JsonFormatter, JsonLineHandler, info_line, request_id_var
from tests.rest.conftest import Client

FIELDS = {"method", "path", "status", "duration_ms", "remote", "request_id"}


@contextmanager
def json_sink() -> Iterator[io.StringIO]:
    """configure_logging's JSON set-up writing to a buffer, pytest's own handlers set aside
    (entered inside the test: pytest adds them back at the start of each test phase)."""
    stream = io.StringIO()
    handler = JsonLineHandler(stream)
    root = logging.getLogger()
    saved_handlers, saved_level, saved_fast = root.handlers[:], root.level, logs._fast_handler
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logs._fast_handler = handler
    try:
        assert logs._fast_sink(logging.getLogger("server.request")) is handler
        yield stream
    finally:
        handler.flush()
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        logs._fast_handler = saved_fast


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in stream.getvalue().splitlines()]


async def test_every_request_gets_one_json_line(client: Client) -> None:
    with json_sink() as sink:
        for n, path in enumerate(("/health", "/v1/nope", "/v1/models?limit=0")):
            await client.get(path, headers={"X-Request-ID": f"t-{n}"})
    logged = [line for line in lines(sink) if line["logger"] == "server.request"]
    assert [(line["path"], line["status"], line["request_id"]) for line in logged] == [
        ("/health", 200, "t-0"),
        ("/v1/nope", 404, "t-1"),
        ("/v1/models", 400, "t-2"),
    ]
    for line in logged:
        assert set(line) >= FIELDS
        assert line["method"] == "GET" and line["level"] == "INFO"
        assert line["message"] == f"GET {line['path']} {line['status']}"
        assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0


async def test_caplog_sees_the_line_too(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="server.request"):
        resp = await client.get("/health", headers={"X-Request-ID": "via-logging"})
    assert resp.status == 200
    (record,) = [r for r in caplog.records if r.name == "server.request"]
    assert record.getMessage() == "GET /health 200"
    assert (record.method, record.path, record.status) == ("GET", "/health", 200)  # type: ignore[attr-defined]
    assert "duration_ms" in vars(record) and "remote" in vars(record)


def test_fast_line_equals_the_formatter_line() -> None:
    """Same keys, order and values (bar the time) as JsonFormatter gives a LogRecord."""
    log = logging.getLogger("server.request")
    fields = {"method": "GET", "path": '/a"b\\', "status": 200, "duration_ms": 1.5}
    token = request_id_var.set("rid-1")
    try:
        with json_sink() as sink:
            info_line(log, "GET /a 200", fields)
        record = log.makeRecord(
            log.name, logging.INFO, "f", 1, "GET /a 200", (), None, extra=fields
        )
        expected = orjson.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    (fast,) = lines(sink)
    assert list(fast) == list(expected)
    assert {k: v for k, v in fast.items() if k != "time"} == {
        k: v for k, v in expected.items() if k != "time"
    }
    assert str(fast["time"]).endswith("+00:00")


async def test_ordinary_records_keep_their_order_after_pending_lines() -> None:
    with json_sink() as sink:
        info_line(logging.getLogger("server.request"), "first", {})  # pending until loop turn
        assert sink.getvalue() == ""
        logging.getLogger("server.other").warning("second")
        assert [line["message"] for line in lines(sink)] == ["first", "second"]
