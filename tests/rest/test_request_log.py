"""The request log line: one JSON line per request with id, method, path, status, duration,
whether it goes through the fast path (our JSON handler alone) or through `logging`."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from aiohttp.test_utils import make_mocked_request

from server import logs, request_log
from server.logs import JsonFormatter, JsonLineHandler, json_text, now_iso, request_id_var
from server.request_log import log_request, request_id_for
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
        assert logs.fast_json_sink(logging.getLogger("server.request")) is handler
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


def _formatter_line(
    method: str, path: str, status: int, elapsed_ns: int, remote: str | None
) -> dict[str, object]:
    """What JsonFormatter writes for the record the logging path of log_request makes."""
    log = logging.getLogger("server.request")
    fields = {
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round(elapsed_ns / 1e6, 2),
        "remote": remote,
    }
    record = log.makeRecord(
        log.name, logging.INFO, "f", 1, "%s %s %s", (method, path, status), None, extra=fields
    )
    return orjson.loads(JsonFormatter().format(record))  # type: ignore[no-any-return]


# (method, path, status, elapsed ns, remote): plain, every character JSON must escape,
# non-ASCII, no peer address, a long duration (none of them a rounding tie).
LINES = [
    ("GET", "/v1/models", 200, 1_234_567, "127.0.0.1"),
    ("POST", '/a"b\\c\n\t\x00\x1f\x7f', 404, 0, "::1"),
    ("GET", "/v1/models/é/模型/🙂", 304, 99_994_999, None),
    ("HEAD", "/", 500, 12_345_678_901, 'x"y'),
]


@pytest.mark.parametrize(("method", "path", "status", "elapsed_ns", "remote"), LINES)
def test_fast_line_equals_the_formatter_line(
    method: str, path: str, status: int, elapsed_ns: int, remote: str | None
) -> None:
    """Same keys, order and values (bar the time) as JsonFormatter gives the LogRecord."""
    token = request_id_var.set("rid-1")
    try:
        expected = _formatter_line(method, path, status, elapsed_ns, remote)
        with json_sink() as sink:
            log_request(method, path, status, elapsed_ns, remote, "rid-1")
    finally:
        request_id_var.reset(token)
    (fast,) = lines(sink)
    assert list(fast) == list(expected)
    assert {k: v for k, v in fast.items() if k != "time"} == {
        k: v for k, v in expected.items() if k != "time"
    }
    assert isinstance(fast["duration_ms"], float)
    assert str(fast["time"]).endswith("+00:00")


@pytest.mark.parametrize("value", ["plain", 'q"q', "b\\b", "nl\n", "\x00", "\x7f", "é模🙂"])
def test_json_text_is_what_orjson_writes_between_the_quotes(value: str) -> None:
    assert json_text(value) == orjson.dumps(value).decode()[1:-1]
    assert json.loads(f'"{json_text(value)}"') == value


def test_json_text_escapes_a_lone_surrogate_instead_of_failing() -> None:
    value = "/\ud800/x"  # orjson refuses to encode it; a log line must still be written
    assert json_text(value).isascii()
    assert json.loads(f'"{json_text(value)}"') == value


def test_pieces_cache_stays_bounded() -> None:
    for n in range(request_log._PIECES_MAX + 10):
        request_log._pieces("GET", f"/v1/models/m{n}", 200)
    assert len(request_log._PIECES) <= request_log._PIECES_MAX


def test_now_iso_is_isoformat_to_the_millisecond() -> None:
    before = datetime.now(UTC)
    text = now_iso()
    after = datetime.now(UTC)
    stamp = datetime.fromisoformat(text)
    assert before - timedelta(milliseconds=1) <= stamp <= after
    assert text == stamp.isoformat(timespec="milliseconds")
    record = logging.makeLogRecord({"msg": "x", "created": before.timestamp()})
    assert len(orjson.loads(JsonFormatter().format(record))["time"]) == len(text)


async def test_ordinary_records_keep_their_order_after_pending_lines() -> None:
    with json_sink() as sink:
        log_request("GET", "/first", 200, 1000, None, "r1")  # pending until the flush timer
        assert sink.getvalue() == ""
        logging.getLogger("server.other").warning("second")
        assert [line["message"] for line in lines(sink)] == ["GET /first 200", "second"]


async def test_pending_lines_are_written_by_the_timer_in_one_write() -> None:
    writes: list[str] = []

    class Recording(io.StringIO):
        def write(self, text: str) -> int:
            writes.append(text)
            return super().write(text)

    with json_sink() as sink:
        handler = logging.getLogger().handlers[0]
        assert isinstance(handler, JsonLineHandler)
        handler.setStream(Recording())
        for n in range(3):
            log_request("GET", f"/t{n}", 200, 1000, None, f"r{n}")
        await asyncio.sleep(0)  # a loop turn is not enough: the timer batches across turns
        assert writes == []
        await asyncio.sleep(logs.FLUSH_DELAY_S * 2)
        assert len(writes) == 1
        assert [orjson.loads(line)["path"] for line in writes[0].splitlines()] == [
            "/t0",
            "/t1",
            "/t2",
        ]
    assert sink.getvalue() == ""  # everything went to the recording stream


async def test_a_full_batch_is_written_at_once() -> None:
    with json_sink() as sink:
        for n in range(logs.MAX_PENDING_LINES):
            log_request("GET", "/full", 200, 1000, None, f"r{n}")
        assert len(lines(sink)) == logs.MAX_PENDING_LINES  # no timer needed


def test_generated_request_ids_are_32_hex_digits_and_distinct() -> None:
    ids = [request_id_for(make_mocked_request("GET", "/")) for _ in range(2000)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", rid) for rid in ids)
    assert any(rid.startswith("0") for rid in ids)  # leading zeros are kept (1/16 of ids)
    assert len(set(ids)) == len(ids)
