"""The one error envelope: ApiError, aiohttp's HTTP errors, bad input, 500 and 503."""

from __future__ import annotations

import io
import logging
import re

import pytest
from aiohttp import web
from sqlalchemy import text

from server.core.database import create_engine, is_database_unreachable
from server.core.settings import Settings
from server.http.app import create_app
from server.http.middleware import INTERNAL_MESSAGE
from tests.conftest import ADMIN_TOKEN
from tests.rest.conftest import AppClient, Client

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


async def error_of(resp: object, status: int, code: str) -> dict[str, object]:
    assert resp.status == status, await resp.text()  # type: ignore[attr-defined]
    assert resp.headers["Content-Type"].startswith("application/json")  # type: ignore[attr-defined]
    body = await resp.json()  # type: ignore[attr-defined]
    assert set(body) == {"error", "timestamp"}
    assert ISO.match(body["timestamp"])
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]  # type: ignore[no-any-return]


async def test_unknown_route_is_a_404_envelope(client: Client) -> None:
    await error_of(await client.get("/v2/nothing"), 404, "NOT_FOUND")


async def test_wrong_method_is_a_405_envelope_with_allow(client: Client) -> None:
    resp = await client.delete("/v1/models")
    await error_of(resp, 405, "METHOD_NOT_ALLOWED")
    assert set(resp.headers["Allow"].split(",")) >= {"GET", "HEAD"}
    resp = await client.get("/v1/admin/sync")
    await error_of(resp, 405, "METHOD_NOT_ALLOWED")
    assert "POST" in resp.headers["Allow"]


async def test_body_over_the_limit_is_a_413_envelope(client: Client) -> None:
    # A stream, not bytes: aiohttp warns that a large bytes body blocks the client's loop.
    body = io.BytesIO(b"x" * (1024 * 1024 + 1))
    resp = await client.post("/v1/admin/sync", data=body, headers=ADMIN)
    await error_of(resp, 413, "PAYLOAD_TOO_LARGE")


@pytest.mark.parametrize(
    ("query", "parameter", "message"),
    [
        ("limit=abc", "limit", "limit must be an integer between 1 and 100"),
        ("limit=0", "limit", "limit must be an integer between 1 and 100"),
        ("limit=101", "limit", "limit must be an integer between 1 and 100"),
        ("limit=1.5", "limit", "limit must be an integer between 1 and 100"),
        ("limit=", "limit", "limit must be an integer between 1 and 100"),
        ("limit=%2B5", "limit", "limit must be an integer between 1 and 100"),
        ("offset=-1", "offset", "offset must be an integer between 0 and 1000000"),
        ("offset=x", "offset", "offset must be an integer between 0 and 1000000"),
        ("sort=price", "sort", "sort must be one of"),
        ("capabilities=tools,flying", "capabilities", "capabilities must be a comma-separated"),
        ("openWeights=maybe", "openWeights", "openWeights must be true or false"),
        ("maxInputPrice=-1", "maxInputPrice", "maxInputPrice must be a non-negative number"),
        ("maxInputPrice=NaN", "maxInputPrice", "maxInputPrice must be a non-negative number"),
        ("releasedAfter=2024-13-01", "releasedAfter", "releasedAfter must be a date"),
        ("source=myspace", "source", "source must be one of"),
        ("status=gone", "status", "status must be a comma-separated list"),
        ("search=" + "a" * 201, "search", "search must be at most 200 characters"),
        ("limit=%FF", "limit", "limit must be valid UTF-8"),
        ("provider=%C3%28", "provider", "provider must be valid UTF-8"),
        ("%FE=1", "query parameter names", "query parameter names must be valid UTF-8"),
        ("search=" + "ab%20" * 600, "query", "query string must be at most 2048 bytes long"),
    ],
)
async def test_bad_query_parameters_are_400_naming_the_parameter(
    client: Client, query: str, parameter: str, message: str
) -> None:
    error = await error_of(await client.get(f"/v1/models?{query}"), 400, "VALIDATION_ERROR")
    assert str(error["message"]).startswith(message), error
    assert error["details"]["parameter"] == parameter  # type: ignore[index]


async def test_history_limit_is_validated(client: Client) -> None:
    for bad in ("0", "101", "abc"):
        error = await error_of(
            await client.get(f"/v1/admin/sync/history?limit={bad}", headers=ADMIN),
            400,
            "VALIDATION_ERROR",
        )
        assert error["message"] == "limit must be an integer between 1 and 100"


async def test_model_id_route_rejects_non_utf8_query_too(client: Client) -> None:
    await error_of(await client.get("/v1/models/openai/gpt-4o?x=%FF"), 400, "VALIDATION_ERROR")


async def _boom(request: web.Request) -> web.Response:
    raise RuntimeError("SELECT secret_column FROM internal_table WHERE password = 'hunter2'")


async def test_unexpected_error_is_a_500_that_leaks_nothing(
    app_client: AppClient, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings)
    app.router.add_get("/v1/test-boom", _boom)
    client = await app_client(app)
    with caplog.at_level(logging.ERROR, logger="server.http.middleware"):
        resp = await client.get("/v1/test-boom", headers={"X-Request-ID": "trace-me-123"})
    error = await error_of(resp, 500, "INTERNAL_SERVER_ERROR")
    raw = str(error)
    assert error["message"] == INTERNAL_MESSAGE
    for secret in ("SELECT", "secret_column", "hunter2", "Traceback", "RuntimeError"):
        assert secret not in raw
    assert error["details"] == {"requestId": "trace-me-123"}
    logged = [r for r in caplog.records if r.name == "server.http.middleware"]
    assert logged and logged[0].exc_info is not None
    assert "hunter2" in caplog.text  # the operator sees everything, in the log


async def test_unreachable_database_is_a_503(app_client: AppClient, settings: Settings) -> None:
    dead = create_engine("postgresql://nobody@127.0.0.1:1/none", pool_size=1)

    async def uses_dead_database(request: web.Request) -> web.Response:
        async with dead.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return web.Response(text="unreachable")

    app = create_app(settings)
    app.router.add_get("/v1/test-dead-db", uses_dead_database)
    client = await app_client(app)
    try:
        resp = await client.get("/v1/test-dead-db")
        error = await error_of(resp, 503, "SERVICE_UNAVAILABLE")
        assert "127.0.0.1" not in str(error)
        assert resp.headers["Retry-After"]
    finally:
        await dead.dispose()


async def test_database_error_classification() -> None:
    dead = create_engine("postgresql://nobody@127.0.0.1:1/none", pool_size=1)
    try:
        with pytest.raises(Exception) as caught:  # noqa: PT011 - any wrapper SQLAlchemy picks
            async with dead.connect() as conn:
                await conn.execute(text("SELECT 1"))
        assert is_database_unreachable(caught.value)
    finally:
        await dead.dispose()
    assert not is_database_unreachable(ValueError("a bug"))
    assert not is_database_unreachable(KeyError("missing"))
