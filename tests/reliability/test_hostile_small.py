"""Issue 13, the smaller items: CORS on publicly cached answers, admin sync bodies, empty and
non-finite parameters, and /metrics scraped in a loop."""

from __future__ import annotations

import asyncio

import aiohttp
import asyncpg
import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.database import asyncpg_dsn
from tests.reliability.conftest import StartReplicas
from tests.reliability.support.attack import error_codes, post_graphql
from tests.reliability.support.http import ADMIN_HEADERS
from tests.reliability.support.replica import base_env
from tests.support.metrics import sample_value
from tests.support.seed import seed_catalog

EVIL = "https://evil.example"
FRIEND = "https://friend.example"


async def test_cors_never_echoes_an_origin_without_vary(
    replicas: StartReplicas, database_url: str, engine: AsyncEngine
) -> None:
    await seed_catalog(engine)
    any_origin, listed = await replicas(
        [base_env(database_url), base_env(database_url, CORS_ORIGINS=FRIEND)]
    )
    async with aiohttp.ClientSession() as session:
        for path in ("/v1/models?limit=1", "/v1/providers"):
            async with session.get(any_origin.url + path, headers={"Origin": EVIL}) as resp:
                assert resp.status == 200
                assert resp.headers["Access-Control-Allow-Origin"] == "*"
                assert "public" in resp.headers["Cache-Control"]
            async with session.get(listed.url + path, headers={"Origin": FRIEND}) as resp:
                assert resp.headers["Access-Control-Allow-Origin"] == FRIEND
                assert "Origin" in resp.headers["Vary"].split(", "), resp.headers["Vary"]
                assert "Accept-Encoding" in resp.headers["Vary"]
            async with session.get(listed.url + path, headers={"Origin": EVIL}) as resp:
                assert "Access-Control-Allow-Origin" not in resp.headers


async def _runs(database_url: str) -> int:
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM sync_runs"))
    finally:
        await conn.close()


async def test_bad_inputs_are_400s_that_change_nothing(
    replicas: StartReplicas, database_url: str, engine: AsyncEngine
) -> None:
    await seed_catalog(engine)
    [replica] = await replicas([base_env(database_url)])
    runs_before = await _runs(database_url)
    async with aiohttp.ClientSession() as session:
        for body in (b"null", b'"hello"', b"5", b"[]", b'["openrouter"]', b"true"):
            async with session.post(
                f"{replica.url}/v1/admin/sync",
                data=body,
                headers={**ADMIN_HEADERS, "Content-Type": "application/json"},
            ) as resp:
                answer = orjson.loads(await resp.read())
                assert resp.status == 400, (body, answer)
                assert answer["error"]["code"] == "VALIDATION_ERROR"
        for query in ("source=", "sort=", "maxInputPrice=NaN", "maxOutputPrice=-Infinity"):
            async with session.get(f"{replica.url}/v1/models?{query}") as resp:
                answer = orjson.loads(await resp.read())
                assert resp.status == 400, (query, answer)
                assert answer["error"]["details"]["parameter"] == query.split("=")[0]
        for value in ("NaN", "Infinity", "-Infinity", "sNaN"):
            for document, variables in (
                (
                    "query($p: Decimal) { models(filter: {maxInputPrice: $p}) { totalCount } }",
                    {"p": value},
                ),
                (f'{{ models(filter: {{maxOutputPrice: "{value}"}}) {{ totalCount }} }}', None),
            ):
                status, answer = await post_graphql(session, replica.url, document, variables)
                assert status == 200 and error_codes(answer) == ["VALIDATION_ERROR"], answer
    assert await _runs(database_url) == runs_before, "a refused request started a sync"


async def test_metrics_scrapes_share_one_database_read(
    replicas: StartReplicas, database_url: str, engine: AsyncEngine
) -> None:
    await seed_catalog(engine)
    [replica] = await replicas([base_env(database_url)])

    async def scrape(session: aiohttp.ClientSession) -> float:
        async with session.get(f"{replica.url}/metrics") as resp:
            assert resp.status == 200
            text = await resp.text()
        return sample_value(text, "effect_models_catalog_models", status="active")

    async with aiohttp.ClientSession() as session:
        first = await scrape(session)
        assert first > 0
        conn = await asyncpg.connect(asyncpg_dsn(database_url))
        try:
            await conn.execute("UPDATE models SET status = 'deprecated' WHERE status = 'active'")
        finally:
            await conn.close()
        # Within the gauge TTL a burst of scrapes reads nothing new from the database...
        burst = await asyncio.gather(*(scrape(session) for _ in range(50)))
        assert set(burst) == {first}
        # ...and after it the next scrape sees the change.
        await asyncio.sleep(5.5)
        assert await scrape(session) == 0
