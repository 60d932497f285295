"""Response cache: hits after the first clean run, ETag/304 on GET, version bump invalidates,
admin and mutations never cached. Runs with the in-process cache and with Redis."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.settings import Settings
from server.http.app import create_app
from tests.conftest import ADMIN_TOKEN
from tests.graphql.conftest import Client
from tests.support.seed import SeedInfo, seed_catalog

QUERY = '{ model(id: "openai/gpt-4o") { id name } }'


async def post(client: Client, query: str, headers: dict[str, str] | None = None) -> Any:
    return await client.post("/graphql", json={"query": query}, headers=headers)


async def test_cache_in_process(
    aiohttp_client: Any, settings: Settings, engine: AsyncEngine
) -> None:
    await check_hit_then_invalidate(aiohttp_client, settings, engine)


@pytest.mark.redis
async def test_cache_in_redis(
    aiohttp_client: Any, settings_with_redis: Settings, engine: AsyncEngine
) -> None:
    await check_hit_then_invalidate(aiohttp_client, settings_with_redis, engine)


async def check_hit_then_invalidate(
    aiohttp_client: Any, settings: Settings, engine: AsyncEngine
) -> None:
    info = await seed_catalog(engine)
    client = await aiohttp_client(create_app(settings))
    first = await post(client, QUERY)
    assert "X-Cache" not in first.headers
    second = await post(client, QUERY)
    assert second.headers["X-Cache"] == "hit"
    assert await second.json() == await first.json()
    assert second.headers["X-Catalog-Version"] == str(info.catalog_version)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE catalog_state SET version = version + 1"))
        await conn.execute(
            text("UPDATE models SET name = 'GPT-4o (new)' WHERE id = 'openai/gpt-4o'")
        )
    await asyncio_sleep_past_version_ttl()
    third = await post(client, QUERY)
    assert "X-Cache" not in third.headers
    assert (await third.json())["data"]["model"]["name"] == "GPT-4o (new)"
    assert third.headers["X-Catalog-Version"] == str(info.catalog_version + 1)


async def asyncio_sleep_past_version_ttl() -> None:
    import asyncio

    await asyncio.sleep(1.05)  # the version is re-read every 0.5 s (VersionWatch)


async def test_get_etag_and_if_none_match(client: Client, seeded: SeedInfo) -> None:
    params = {"query": QUERY}
    first = await client.get("/graphql", params=params, headers={"Accept": "application/json"})
    etag = first.headers["ETag"]
    again = await client.get("/graphql", params=params, headers={"If-None-Match": etag})
    assert again.status == 304 and again.headers["X-Catalog-Version"] == str(seeded.catalog_version)
    # Weak and list forms and `*` match too (aiohttp's parser: server.http.etag); others do not.
    for header, status in (
        (f"W/{etag}", 304),
        (f'"other", {etag}', 304),
        ("*", 304),
        ('"other"', 200),
        ("not a tag", 200),
    ):
        resp = await client.get("/graphql", params=params, headers={"If-None-Match": header})
        assert resp.status == status, header
        resp.release()


async def test_admin_fields_and_errors_are_not_cached(client: Client, seeded: SeedInfo) -> None:
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    runs = "{ syncRuns { totalCount } }"
    await post(client, runs, admin)
    second = await post(client, runs, admin)
    assert "X-Cache" not in second.headers
    # Without the token the same document must never be served from a cache.
    refused = await (await post(client, runs)).json()
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHORIZED"
    bad = "{ models(first: 0) { totalCount } }"
    await post(client, bad)
    assert "X-Cache" not in (await post(client, bad)).headers


async def test_variables_are_part_of_the_key(client: Client, seeded: SeedInfo) -> None:
    q = "query($id: ID!) { model(id: $id) { id } }"
    for model_id in ("openai/gpt-4o", "openai/gpt-4o-mini", "openai/gpt-4o"):
        resp = await client.post("/graphql", json={"query": q, "variables": {"id": model_id}})
        assert json.loads(await resp.text())["data"]["model"]["id"] == model_id


async def test_graphiql_served_on_browser_get(client: Client, tmp_path: Any) -> None:
    resp = await client.get("/graphql", headers={"Accept": "text/html"})
    assert resp.status == 200 and "graphiql" in (await resp.text()).lower()
    assert (await client.get("/graphql/assets/../../etc/passwd")).status == 404
