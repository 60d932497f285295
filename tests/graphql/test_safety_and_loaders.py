"""N+1 guard (statement count), query limits refused before any SQL, masked errors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import insert, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.database import UNAVAILABLE_MESSAGE
from server.core.limits import MAX_QUERY_ALIASES, MAX_QUERY_COST, MAX_QUERY_DEPTH
from server.core.settings import Settings
from server.core.tables import models, offerings, scores
from server.http.app import create_app
from server.http.keys import READ_ENGINE
from tests.graphql.conftest import Client, codes, data, gql
from tests.graphql.sql_counter import count_statements
from tests.support.seed import SeedInfo

PAGE = """query($n: Int!) { models(first: $n, sort: {field: NAME}) { totalCount edges { node {
  id name contextWindow
  offerings { providerId inputPrice provider { name kind } }
  cheapestOffering { providerId }
  scores { metric value }
  creator { name } } } } }"""


async def add_models(engine: AsyncEngine, count: int) -> None:
    rows = [
        {"id": f"bulk/m{i:03}", "name": f"Bulk {i:03}", "creator_id": "openai"}
        for i in range(count)
    ]
    offers = [
        {"provider_id": p, "provider_model_id": f"m{i}", "model_id": f"bulk/m{i:03}",
         "input_price": Decimal(i), "output_price": Decimal(i), "source": "models.dev"}
        for i in range(count) for p in ("openai", "deepinfra")
    ]  # fmt: skip
    marks = [
        {"model_id": f"bulk/m{i:03}", "source": "artificialanalysis",
         "metric": "intelligence_index", "value": Decimal(i)}
        for i in range(count)
    ]  # fmt: skip
    async with engine.begin() as conn:
        await conn.execute(insert(models), rows)
        await conn.execute(insert(offerings), offers)
        await conn.execute(insert(scores), marks)


def app_engine(client: Client) -> AsyncEngine:
    return client.server.app[READ_ENGINE]  # type: ignore[no-any-return, attr-defined]


async def test_statement_count_is_constant_for_100_models(
    client: Client, seeded: SeedInfo, engine: AsyncEngine
) -> None:
    await add_models(engine, 100)
    counts = []
    for size in (10, 100):
        with count_statements(app_engine(client)) as seen:
            got = data(await gql(client, PAGE, {"n": size}))["models"]
        assert len(got["edges"]) == size
        counts.append(len(seen))
    # version + page + offerings + providers + scores (+ creators share the provider loader)
    assert counts[0] == counts[1] and counts[1] <= 6, counts
    node = next(e["node"] for e in got["edges"] if e["node"]["id"] == "bulk/m005")
    assert [o["provider"]["name"] for o in node["offerings"]] == ["DeepInfra", "OpenAI"]


def nested(depth: int) -> str:
    inner = "id"
    for _ in range(depth):
        inner = (
            f"offerings {{ provider {{ models(first: 1) {{ edges {{ node {{ {inner} }} }} }} }} }}"
        )
    return "{ models(first: 1) { edges { node { " + inner + " } } } }"


async def refused(client: Client, query: str) -> dict[str, Any]:
    with count_statements(app_engine(client)) as seen:
        body = await gql(client, query)
    assert seen == [], seen  # refused during validation: no database work at all
    assert body.get("data") is None
    return body


async def test_deep_query_refused_without_sql(client: Client, seeded: SeedInfo) -> None:
    body = await refused(client, nested(20))
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]
    assert "GRAPHQL_VALIDATION_FAILED" in codes(body)
    assert MAX_QUERY_DEPTH < 20


async def test_thousand_aliases_refused_without_sql(client: Client, seeded: SeedInfo) -> None:
    aliases = " ".join(f"a{i}: catalog {{ version }}" for i in range(1000))
    body = await refused(client, "{ " + aliases + " }")
    message = " ".join(e["message"] for e in body["errors"])
    assert "aliases" in message or "token" in message.lower()
    assert MAX_QUERY_ALIASES < 1000


async def test_aliases_over_limit_but_under_token_limit(client: Client, seeded: SeedInfo) -> None:
    aliases = " ".join(f"a{i}: catalog {{ version }}" for i in range(MAX_QUERY_ALIASES + 1))
    body = await refused(client, "{ " + aliases + " }")
    assert f"Allowed: {MAX_QUERY_ALIASES}" in body["errors"][0]["message"]


async def test_cost_blow_up_refused_without_sql(client: Client, seeded: SeedInfo) -> None:
    q = """{ models(first: 100) { edges { node { id offerings { providerId
      provider { models(first: 100) { edges { node { id offerings { providerId } } } } }
    } } } } }"""
    body = await refused(client, q)
    err = body["errors"][0]
    assert err["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert err["extensions"]["cost"] > MAX_QUERY_COST


async def test_syntax_error_is_typed(client: Client, seeded: SeedInfo) -> None:
    body = await refused(client, "{ models(first: ")
    assert codes(body) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_database_unreachable_is_service_unavailable(
    aiohttp_client: Any, settings: Settings
) -> None:
    # Reads go to DATABASE_READ_URL; point it at a closed port (nothing listens on 1).
    dead = make_url(settings.database_url or "").set(port=1).render_as_string(hide_password=False)
    client = await aiohttp_client(create_app(settings.with_overrides(database_read_url=dead)))
    body = await gql(client, '{ model(id: "openai/gpt-4o") { id } }')
    assert codes(body) == ["SERVICE_UNAVAILABLE"]
    assert body["errors"][0]["message"] == UNAVAILABLE_MESSAGE
