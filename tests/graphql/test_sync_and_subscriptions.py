"""triggerSync (admin, single-flight) and both subscriptions over a real websocket."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.database import asyncpg_dsn
from server.core.settings import Settings
from server.core.tables import changes, sync_runs
from server.http.app import create_app
from sync.lock import SYNC_LOCK_KEY
from tests.conftest import ADMIN_TOKEN
from tests.graphql.conftest import Client, codes, data, gql
from tests.support.seed import SeedInfo

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
TRIGGER = """mutation($s: [Source!]) { triggerSync(sources: $s) {
  __typename
  ... on SyncStartedResult { runId run { status trigger } }
  ... on SyncAlreadyRunningResult { runningRunId message } } }"""


async def test_trigger_sync_requires_admin(client: Client, seeded: SeedInfo) -> None:
    assert codes(await gql(client, TRIGGER)) == ["UNAUTHORIZED"]
    assert codes(await gql(client, TRIGGER, headers={"x-admin": "true"})) == ["UNAUTHORIZED"]


async def test_trigger_sync_while_a_sync_runs(
    client: Client, seeded: SeedInfo, engine: AsyncEngine, database_url: str
) -> None:
    # Another replica is syncing: it holds the advisory lock and owns a `running` row.
    holder = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        assert await holder.fetchval("SELECT pg_try_advisory_lock($1)", SYNC_LOCK_KEY)
        async with engine.begin() as conn:
            running_id = await conn.scalar(
                insert(sync_runs).values(trigger="schedule").returning(sync_runs.c.id)
            )
        got = data(await gql(client, TRIGGER, headers=ADMIN))["triggerSync"]
    finally:
        await holder.close()
    assert got["__typename"] == "SyncAlreadyRunningResult"
    assert got["runningRunId"] == running_id


def offline_settings(settings: Settings, tmp_path: Path) -> Settings:
    missing = (tmp_path / "absent.json").as_uri()  # every source fails fast, no network
    return settings.with_overrides(
        models_dev_url=missing,
        openrouter_url=missing,
        huggingface_url=missing,
        artificial_analysis_url=missing,
    )


async def subscribe(ws: Any, query: str, variables: dict[str, Any]) -> None:
    await ws.send_json({"type": "connection_init", "payload": {}})
    assert (await ws.receive_json(timeout=5))["type"] == "connection_ack"
    payload = {"query": query, "variables": variables}
    await ws.send_json({"id": "1", "type": "subscribe", "payload": payload})


PROGRESS = """subscription($id: Int!) { syncProgress(runId: $id) {
  runId kind source runStatus stats { status error } } }"""


async def test_trigger_sync_and_follow_progress_over_websocket(
    aiohttp_client: Any, settings: Settings, tmp_path: Path
) -> None:
    client = await aiohttp_client(create_app(offline_settings(settings, tmp_path)))
    started = data(await gql(client, TRIGGER, {"s": ["MODELS_DEV"]}, headers=ADMIN))
    result = started["triggerSync"]
    assert result["__typename"] == "SyncStartedResult" and result["run"]["trigger"] == "admin"
    ws = await client.ws_connect("/graphql", protocols=["graphql-transport-ws"], headers=ADMIN)
    await subscribe(ws, PROGRESS, {"id": result["runId"]})
    events = []
    while True:
        message = await ws.receive_json(timeout=20)
        if message["type"] == "complete":
            break
        assert message["type"] == "next", message
        events.append(message["payload"]["data"]["syncProgress"])
    await ws.close()
    assert events[-1]["kind"] == "run_finished" and events[-1]["runStatus"] != "running"
    sources = [e for e in events if e["kind"] == "source_finished"]
    assert [e["source"] for e in sources] == ["models.dev"]
    assert sources[0]["stats"]["status"] == "failed"


async def test_sync_progress_refuses_non_admin(client: Client, seeded: SeedInfo) -> None:
    ws = await client.ws_connect("/graphql", protocols=["graphql-transport-ws"])
    await subscribe(ws, PROGRESS, {"id": seeded.run_ids[0]})
    message = await ws.receive_json(timeout=5)
    await ws.close()
    assert message["type"] == "error" or "errors" in message["payload"]
    assert "admin token" in str(message["payload"])


CHANGES = """subscription($k: [ChangeKind!], $m: String) {
  catalogChanges(kinds: $k, modelId: $m) { kind modelId field newValue } }"""


@pytest.mark.parametrize("kinds", [["PRICE_CHANGED"], None])
async def test_catalog_changes_over_websocket(
    client: Client, seeded: SeedInfo, engine: AsyncEngine, kinds: list[str] | None
) -> None:
    ws = await client.ws_connect("/graphql", protocols=["graphql-transport-ws"])
    await subscribe(ws, CHANGES, {"k": kinds, "m": "openai/gpt-4o"})
    await asyncio.sleep(0.3)  # the subscription starts after the events already committed
    event = {
        "entity": "offering", "entity_id": "openai:gpt-4o", "model_id": "openai/gpt-4o",
        "provider_id": "openai", "field": "output_price", "old_value": "10",
    }  # fmt: skip
    async with engine.begin() as conn:
        await conn.execute(insert(changes), [
            {**event, "kind": "price_changed", "model_id": "openai/gpt-4o-mini", "new_value": "1"},
            {**event, "kind": "limits_changed", "new_value": "2"},
            {**event, "kind": "price_changed", "new_value": "8"},
        ])  # fmt: skip
    message = await ws.receive_json(timeout=10)
    await ws.close()
    got = message["payload"]["data"]["catalogChanges"]
    expected = "8" if kinds else "2"  # other model filtered out; kind filter when given
    assert got["modelId"] == "openai/gpt-4o" and got["newValue"] == expected
