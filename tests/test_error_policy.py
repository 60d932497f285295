"""Error policy: only declared validation errors (ApiError, e.g. InvalidInput) reach a
client; a stray ValueError in a resolver or handler is masked and logged with its trace."""

from __future__ import annotations

import datetime
import logging

import pytest
import strawberry
from aiohttp import web
from pytest_aiohttp import AiohttpClient

from schema.errors import INTERNAL_MESSAGE, ErrorPolicy
from server.core.errors import InvalidInput, ValidationError
from server.core.settings import Settings
from server.http.app import create_app

SECRET = "int() base 10: 'row 42 of internal_table'"


@strawberry.type
class Query:
    @strawberry.field
    def stray(self) -> int:
        raise ValueError(SECRET)  # a bug: a resolver's own ValueError

    @strawberry.field
    def declared(self) -> int:
        raise InvalidInput("first must be between 1 and 100")

    @strawberry.field
    def on(self, day: datetime.date) -> str:
        return day.isoformat()


SCHEMA = strawberry.Schema(query=Query, extensions=[ErrorPolicy])


def test_invalid_input_is_both_a_declared_validation_error_and_a_value_error() -> None:
    error = InvalidInput("bad")
    assert isinstance(error, ValidationError) and isinstance(error, ValueError)
    assert (error.code, error.status, error.message) == ("VALIDATION_ERROR", 400, "bad")


async def test_a_stray_value_error_in_a_resolver_is_masked_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="schema.errors"):
        result = await SCHEMA.execute("{ stray }")
    assert result.errors is not None and len(result.errors) == 1
    error = result.errors[0]
    assert error.message == INTERNAL_MESSAGE
    assert error.extensions == {"code": "INTERNAL_SERVER_ERROR"}
    assert error.path == ["stray"]
    logged = [r for r in caplog.records if r.name == "schema.errors"]
    assert logged and logged[0].exc_info is not None
    assert SECRET in caplog.text  # the operator sees it, the client does not


async def test_a_declared_error_reaches_the_client_with_its_message() -> None:
    result = await SCHEMA.execute("{ declared }")
    assert result.errors is not None
    assert result.errors[0].message == "first must be between 1 and 100"
    assert result.errors[0].extensions == {"code": "VALIDATION_ERROR"}


@pytest.mark.parametrize(
    ("document", "variables", "code"),
    [
        # A literal is checked with the document; a variable just before execution.
        ('{ on(day: "2026-13-45") }', None, "GRAPHQL_VALIDATION_FAILED"),
        ("query ($d: Date!) { on(day: $d) }", {"d": "not a date"}, "VALIDATION_ERROR"),
    ],
)
async def test_a_scalar_refusing_the_clients_input_is_the_clients_error(
    document: str, variables: dict[str, object] | None, code: str
) -> None:
    result = await SCHEMA.execute(document, variable_values=variables)
    assert result.errors is not None and len(result.errors) == 1
    error = result.errors[0]
    assert error.extensions == {"code": code}
    assert "Date" in error.message


async def _stray_value_error(request: web.Request) -> web.Response:
    raise ValueError(SECRET)


async def test_rest_masks_a_stray_value_error_too(
    aiohttp_client: AiohttpClient, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings)
    app.router.add_get("/v1/test-value-error", _stray_value_error)
    client = await aiohttp_client(app)
    with caplog.at_level(logging.ERROR):
        resp = await client.get("/v1/test-value-error")
    assert resp.status == 500
    body = await resp.json()
    assert body["error"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "internal_table" not in str(body)
    assert SECRET in caplog.text
