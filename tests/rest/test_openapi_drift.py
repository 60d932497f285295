"""The OpenAPI document's enumerations and bounds are the ones the code enforces: they are
generated from the same constants, and here every documented value is accepted by the
server while the first value past each bound is refused (so parser and document agree)."""

from __future__ import annotations

from typing import Any

from server.http.rest.models import LIST_PARAMETERS
from tests.rest.conftest import Client

LIST = "/v1/models"


async def _parameters(client: Client) -> dict[str, dict[str, Any]]:
    document = await (await client.get("/v1/openapi.json")).json()
    listed = document["paths"][LIST]["get"]["parameters"]
    return {p["name"]: p["schema"] for p in listed}


async def _status(client: Client, query: dict[str, str]) -> int:
    resp = await client.get(LIST, params=query)
    resp.release()
    return resp.status


async def test_documented_parameters_are_the_accepted_ones(client: Client) -> None:
    assert set(await _parameters(client)) == LIST_PARAMETERS
    assert await _status(client, {"nope": "1"}) == 400  # an unknown one is refused


async def test_every_documented_enum_value_is_accepted_and_others_refused(
    client: Client,
) -> None:
    schemas = await _parameters(client)
    for name in ("sort", "source"):
        values = schemas[name]["enum"]
        assert values, name
        for value in values:
            assert await _status(client, {name: value}) == 200, (name, value)
        assert await _status(client, {name: "not-documented"}) == 400, name


async def test_comma_list_parameters_accept_every_documented_item(client: Client) -> None:
    schemas = await _parameters(client)
    for name in ("capabilities", "inputModalities", "outputModalities", "listingKind", "status"):
        pattern = schemas[name]["pattern"]
        items = pattern.split("(", 2)[2].split(")", 1)[0].split("|")
        assert len(items) >= 2, (name, pattern)
        assert await _status(client, {name: ",".join(items)}) == 200, name
        assert await _status(client, {name: "not-documented"}) == 400, name


async def test_documented_bounds_are_enforced_exactly(client: Client) -> None:
    schemas = await _parameters(client)
    for name in ("limit", "offset", "maxInputPrice", "maxOutputPrice"):
        schema = schemas[name]
        top = schema["maximum"]
        assert await _status(client, {name: str(top)}) == 200, name
        assert await _status(client, {name: str(top + 1)}) == 400, name
    text = schemas["search"]["maxLength"]
    assert await _status(client, {"search": "a" * text}) == 200
    assert await _status(client, {"search": "a" * (text + 1)}) == 400
