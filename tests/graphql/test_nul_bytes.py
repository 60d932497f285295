"""A NUL character cannot be stored in PostgreSQL text, so no id, name or filter value
holding one can match anything: each such request gets an ordinary answer (not found,
empty, or a validation error), never an internal error from the database."""

from __future__ import annotations

import pytest

from server.core.storable_text import holds_nul
from tests.graphql.conftest import Client, codes, gql
from tests.rest.conftest import Client as RestClient
from tests.support.seed import SeedInfo

NUL = "a\u0000b"
QUERIES = [
    ("query($v: ID!) { model(id: $v) { id } }", {"v": NUL}),
    ("query($v: String!) { resolveModel(name: $v) { __typename } }", {"v": NUL}),
    (
        "query($v: String!) { modelByExternalId(source: OPENROUTER, id: $v) { id } }",
        {"v": NUL},
    ),
    ("query($v: [ID!]!) { compare(ids: $v) { missingIds } }", {"v": [NUL, "openai/gpt-4o"]}),
    ("query($v: String) { models(filter: {search: $v}) { totalCount } }", {"v": NUL}),
    ("query($v: String) { models(filter: {creator: $v}) { totalCount } }", {"v": NUL}),
    ("query($v: String) { models(filter: {provider: $v}) { totalCount } }", {"v": NUL}),
    ("query($v: ID!) { provider(id: $v) { id } }", {"v": NUL}),
    ("query($v: String) { changes(modelId: $v) { totalCount } }", {"v": NUL}),
]


@pytest.mark.parametrize(("query", "variables"), QUERIES)
async def test_graphql_never_fails_internally_on_nul(
    client: Client, seeded: SeedInfo, query: str, variables: dict[str, object]
) -> None:
    body = await gql(client, query, variables)
    assert codes(body) == ["VALIDATION_ERROR"], body
    assert "NUL" in body["errors"][0]["message"]


async def test_a_nul_in_a_document_literal_is_refused_at_validation(
    client: Client, seeded: SeedInfo
) -> None:
    body = await gql(client, '{ model(id: "a\\u0000b") { id } }')
    assert codes(body) == ["VALIDATION_ERROR"], body
    assert body["errors"][0]["locations"] == [{"line": 1, "column": 13}]


def test_deeply_nested_values_are_checked_without_recursion() -> None:
    nested: object = NUL
    for _ in range(5000):
        nested = [{"k": nested}]
    assert holds_nul(nested)
    assert not holds_nul([{"k": ["ok", 1, None, {"x": 2.5}]}])


async def test_nested_variables_over_http(client: Client, seeded: SeedInfo) -> None:
    depth = 200
    raw = '{"query": "query($v: ID!) { model(id: $v) { id } }", "variables": {"v": "ok", "w": '
    raw += "[" * depth + '"a\\u0000b"' + "]" * depth + "}}"
    resp = await client.post("/graphql", data=raw, headers={"Content-Type": "application/json"})
    assert codes(await resp.json()) == ["VALIDATION_ERROR"]


async def test_ordinary_text_still_works(client: Client, seeded: SeedInfo) -> None:
    body = await gql(client, "query($v: ID!) { model(id: $v) { id } }", {"v": "openai/gpt-4o"})
    assert body["data"]["model"]["id"] == "openai/gpt-4o"


@pytest.mark.parametrize(
    "target",
    [
        "/v1/models/a%00b",
        "/v1/models?provider=a%00b",
        "/v1/models?search=a%00b",
    ],
)
async def test_rest_never_fails_internally_on_nul(
    client: RestClient, seeded: SeedInfo, target: str
) -> None:
    resp = await client.get(target)
    assert resp.status in (400, 404), await resp.text()
