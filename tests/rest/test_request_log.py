"""The request log: aiohttp's access logger writes one line per request (server.http.access_log)
through the standard QueueHandler set-up of server.core.logs, as JSON (or text), with the id."""

from __future__ import annotations

import io
import logging
import logging.handlers
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import orjson
import pytest
from aiohttp.test_utils import make_mocked_request

from server.core import logs
from server.core.logs import ContextQueueHandler, configure_logging, request_id_var
from server.core.settings import Settings
from server.http.access_log import request_id_for
from tests.rest.conftest import Client, MakeClient

FIELDS = {"method", "path", "status", "duration_ms", "remote", "request_id"}


@contextmanager
def configured(fmt: str) -> Iterator[io.StringIO]:
    """configure_logging's set-up writing to a buffer instead of stderr, pytest's own
    handlers set aside (entered inside the test: pytest adds them back each phase)."""
    stream = io.StringIO()
    root = logging.getLogger()
    saved_handlers, saved_level, saved_stderr = root.handlers[:], root.level, sys.stderr
    sys.stderr = stream  # read when the handler is built
    try:
        configure_logging("INFO", fmt)
    finally:
        sys.stderr = saved_stderr
    try:
        yield stream
    finally:
        assert logs._listener is not None
        logs._listener.stop()  # drains the queue into the buffer
        logs._listener = None
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)


def json_lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in stream.getvalue().splitlines()]


async def test_every_request_gets_one_json_line(client: Client) -> None:
    with configured("json") as sink:
        for n, path in enumerate(("/health", "/v1/nope", "/v1/models?limit=0")):
            resp = await client.get(path, headers={"X-Request-ID": f"t-{n}"})
            resp.release()
    logged = [line for line in json_lines(sink) if line["logger"] == "server.request"]
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
        assert line["remote"] == "127.0.0.1"


async def test_caplog_sees_the_line_too(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="server.request"):
        resp = await client.get("/health", headers={"X-Request-ID": "via-logging"})
    assert resp.status == 200
    (record,) = [r for r in caplog.records if r.name == "server.request"]
    assert record.getMessage() == "GET /health 200"
    assert (record.method, record.path, record.status) == ("GET", "/health", 200)  # type: ignore[attr-defined]
    assert record.request_id == "via-logging"  # type: ignore[attr-defined]
    assert "duration_ms" in vars(record) and "remote" in vars(record)


async def test_text_format_carries_the_request_id(client: Client) -> None:
    with configured("text") as sink:
        resp = await client.get("/health", headers={"X-Request-ID": "text-id"})
        resp.release()
    (line,) = [line for line in sink.getvalue().splitlines() if "server.request" in line]
    assert line.endswith("GET /health 200 [request_id=text-id]")


def test_records_cross_the_queue_with_their_context_and_traceback() -> None:
    with configured("json") as sink:
        token = request_id_var.set("ctx-id")
        try:
            try:
                raise RuntimeError("boom")
            except RuntimeError:
                logging.getLogger("server.other").exception("failed %s", "here")
        finally:
            request_id_var.reset(token)
    (line,) = json_lines(sink)
    assert line["message"] == "failed here"
    assert line["request_id"] == "ctx-id"  # read in the logging thread, not the listener's
    assert "RuntimeError: boom" in str(line["exception"])


def test_the_root_handler_is_the_standard_queue_handler() -> None:
    with configured("json"):
        (handler,) = logging.getLogger().handlers
        assert isinstance(handler, logging.handlers.QueueHandler)
        assert isinstance(handler, ContextQueueHandler)


def test_generated_request_ids_are_32_hex_digits_and_distinct() -> None:
    ids = [request_id_for(make_mocked_request("GET", "/")) for _ in range(2000)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", rid) for rid in ids)
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("supplied", ["a" * 129, "has space", 'quote"d', ""])
def test_an_unsafe_supplied_id_is_replaced(supplied: str) -> None:
    request = make_mocked_request("GET", "/", headers={"X-Request-ID": supplied})
    assert re.fullmatch(r"[0-9a-f]{32}", request_id_for(request))


def test_extra_fields_follow_the_request_id_in_the_order_given() -> None:
    with configured("json") as sink:
        logging.getLogger("server.other").warning(
            "with fields", extra={"zeta": 1, "alpha": [2], "_private": 3, "request_id": "rid"}
        )
    (line,) = json_lines(sink)
    assert list(line) == ["time", "level", "logger", "message", "request_id", "zeta", "alpha"]
    assert (line["zeta"], line["alpha"], line["request_id"]) == (1, [2], "rid")


def test_the_time_is_utc_to_the_millisecond() -> None:
    with configured("json") as sink:
        logging.getLogger("server.other").warning("now")
    (line,) = json_lines(sink)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", str(line["time"]))


@pytest.mark.parametrize(
    "created",
    [0.0, 1764835200.0, 1764835200.0004995, 1764835200.9995, 1764835200.9999996, 1893549296.14199],
)
def test_the_cached_time_text_is_what_datetime_writes(created: float) -> None:
    expected = datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
    assert logs._iso_time(created) == expected


async def logged_statuses(client: Client, paths: list[str]) -> list[tuple[str, int]]:
    with configured("json") as sink:
        for path in paths:
            resp = await client.get(path)
            resp.release()
    logged = [line for line in json_lines(sink) if line["logger"] == "server.request"]
    return [(str(line["path"]), int(str(line["status"]))) for line in logged]


async def test_access_log_errors_keeps_only_error_responses(
    make_client: MakeClient, settings: Settings
) -> None:
    client = await make_client(settings, access_log="errors")
    paths = ["/health", "/v1/nope", "/health", "/v1/models?limit=0", "/health"]
    assert await logged_statuses(client, paths) == [("/v1/nope", 404), ("/v1/models", 400)]


async def test_access_log_sampled_keeps_one_in_n_and_every_error(
    make_client: MakeClient, settings: Settings
) -> None:
    client = await make_client(settings, access_log="sampled", access_log_sample_every=3)
    paths = ["/health"] * 7 + ["/v1/nope"] * 2 + ["/health"] * 3
    # The 1st, 4th, 7th and 10th of the ten successes, and both errors.
    assert await logged_statuses(client, paths) == [
        ("/health", 200),
        ("/health", 200),
        ("/health", 200),
        ("/v1/nope", 404),
        ("/v1/nope", 404),
        ("/health", 200),
    ]


async def test_access_log_all_is_the_default(make_client: MakeClient, settings: Settings) -> None:
    client = await make_client(settings)
    paths = ["/health", "/v1/nope", "/health"]
    assert await logged_statuses(client, paths) == [
        ("/health", 200),
        ("/v1/nope", 404),
        ("/health", 200),
    ]
