"""History across the sync seam: two real syncs, then read everything through /graphql.

A loopback aiohttp server plays the four upstreams from the small hand-written fixtures.
The first sync builds the catalog; the second sees OpenRouter cut Claude Opus 4.1's
input price from $15 to $12 per 1M tokens. Everything the sync wrote (change ids, the
catalog version, the denormalised cheapest price) must then be read back by GraphQL:
`priceHistory`, `priceAt` either side of the change, the `changes` feed, a
`catalogChanges` subscription over a real websocket, and `models` past the response
cache (the version bump must invalidate it).
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from server.core.secrets import Secret
from server.core.settings import Settings
from server.core.tables import offering_entity_id
from server.http.app import create_app
from sync.interface import SYNC_SERVICE
from tests.graphql.conftest import Client, data, gql
from tests.graphql.test_sync_and_subscriptions import subscribe
from tests.sync.support import FIXTURES

OPENROUTER_ID = "anthropic/claude-opus-4.1"  # OpenRouter's id for the model under test
OLD_PRICE, NEW_PRICE = Decimal("15"), Decimal("12")  # USD per 1M input tokens


class Upstreams:
    """The four upstream APIs on loopback; the OpenRouter payload can be edited between runs."""

    def __init__(self) -> None:
        self.payloads = {
            path.name: json.loads(path.read_text()) for path in FIXTURES.glob("*.json")
        }

    def set_openrouter_input_price(self, model_id: str, per_token: str) -> None:
        payload = copy.deepcopy(self.payloads["openrouter.json"])
        (row,) = [m for m in payload["data"] if m["id"] == model_id]
        row["pricing"]["prompt"] = per_token
        self.payloads["openrouter.json"] = payload

    def app(self) -> web.Application:
        app = web.Application()
        for path, name in (
            ("/api.json", "models_dev.json"),
            ("/api/v1/models", "openrouter.json"),
            ("/api/models", "huggingface.json"),
            ("/api/v2/data/llms/models", "artificialanalysis.json"),
        ):
            app.router.add_get(path, self._serve(name))
        return app

    def _serve(self, name: str) -> Any:
        async def handler(request: web.Request) -> web.Response:
            return web.json_response(self.payloads[name])

        return handler


@pytest.fixture
async def upstreams() -> AsyncIterator[tuple[Upstreams, TestServer]]:
    fake = Upstreams()
    server = TestServer(fake.app())
    await server.start_server()
    yield fake, server
    await server.close()


@pytest.fixture
async def synced_client(
    aiohttp_client: Any,
    settings_with_redis: Settings,
    upstreams: tuple[Upstreams, TestServer],
) -> Client:
    _, server = upstreams
    settings = settings_with_redis.with_overrides(
        models_dev_url=str(server.make_url("/api.json")),
        openrouter_url=str(server.make_url("/api/v1/models")),
        huggingface_url=str(server.make_url("/api/models")),
        artificial_analysis_url=str(server.make_url("/api/v2/data/llms/models")),
        artificial_analysis_api_key=Secret("test-aa-key"),
        api_retry_ms=10,
        rate_limit_ms=0,
    )
    client: Client = await aiohttp_client(create_app(settings))
    return client


async def sync(client: Client) -> None:
    result = await client.app[SYNC_SERVICE].run("admin")
    assert result.status == "succeeded", result


MODEL_BY_OR_ID = """query($id: String!) {
  modelByExternalId(source: OPENROUTER, id: $id) { id } }"""
MODELS = """{ models(first: 20, sort: {field: NAME}) {
  totalCount edges { node { id cheapestInputPrice } } } }"""
OFFERINGS = """query($id: ID!, $before: DateTime!, $after: DateTime!) { model(id: $id) {
  priceHistory { offering { providerId providerModelId } points { field oldValue newValue } }
  offerings(filter: {provider: "openrouter"}) {
    providerModelId inputPrice
    before: priceAt(at: $before) { inputPrice }
    after: priceAt(at: $after) { inputPrice }
    priceHistory { at field oldValue newValue } } } }"""
CHANGES = """query($m: String) { changes(kinds: [PRICE_CHANGED], modelId: $m) {
  totalCount edges { node { at entity entityId modelId providerId kind field
  oldValue newValue syncRunId } } } }"""
LIVE = """subscription($m: String) { catalogChanges(kinds: [PRICE_CHANGED], modelId: $m) {
  kind entityId providerId field oldValue newValue } }"""


async def cheapest_inputs(client: Client) -> tuple[dict[str, Any], str, str | None]:
    """Cheapest input price per model id, the catalog version and the X-Cache header."""
    resp = await client.post("/graphql", json={"query": MODELS})
    assert resp.status == 200, await resp.text()
    edges = data(await resp.json())["models"]["edges"]
    prices = {e["node"]["id"]: e["node"]["cheapestInputPrice"] for e in edges}
    return prices, resp.headers["X-Catalog-Version"], resp.headers.get("X-Cache")


async def test_price_change_across_two_syncs_reads_back_through_graphql(
    synced_client: Client, upstreams: tuple[Upstreams, TestServer]
) -> None:
    client, (fake, _) = synced_client, upstreams
    await sync(client)
    model_id = data(await gql(client, MODEL_BY_OR_ID, {"id": OPENROUTER_ID}))["modelByExternalId"][
        "id"
    ]
    before_sync, version_1, _ = await cheapest_inputs(client)
    assert Decimal(before_sync[model_id]) == OLD_PRICE
    assert await cheapest_inputs(client) == (before_sync, version_1, "hit")  # now cached
    no_changes = data(await gql(client, CHANGES, {"m": model_id}))["changes"]
    assert no_changes["totalCount"] == 0

    ws = await client.ws_connect("/graphql", protocols=["graphql-transport-ws"])
    await subscribe(ws, LIVE, {"m": model_id})
    await asyncio.sleep(0.3)  # the subscription starts after what is already committed
    fake.set_openrouter_input_price(OPENROUTER_ID, "0.000012")
    await sync(client)
    live = (await ws.receive_json(timeout=10))["payload"]["data"]["catalogChanges"]
    await ws.close()

    # The change ids the sync wrote are the ones the readers look for.
    expected_entity = offering_entity_id("openrouter", OPENROUTER_ID)
    assert live["kind"] == "PRICE_CHANGED" and live["entityId"] == expected_entity
    assert live["field"] == "input_price" and live["providerId"] == "openrouter"
    assert Decimal(str(live["oldValue"])) == OLD_PRICE
    assert Decimal(str(live["newValue"])) == NEW_PRICE

    feed = data(await gql(client, CHANGES, {"m": model_id}))["changes"]
    assert feed["totalCount"] == 1
    event = feed["edges"][0]["node"]
    assert event["entity"] == "offering" and event["entityId"] == expected_entity
    assert (event["kind"], event["field"]) == ("PRICE_CHANGED", "input_price")
    assert Decimal(str(event["oldValue"])) == OLD_PRICE
    assert Decimal(str(event["newValue"])) == NEW_PRICE
    assert event["syncRunId"] is not None

    changed_at = datetime.fromisoformat(event["at"])
    moments = {
        "id": model_id,
        "before": (changed_at - timedelta(microseconds=1)).isoformat(),
        "after": changed_at.isoformat(),
    }
    model = data(await gql(client, OFFERINGS, moments))["model"]
    (offering,) = [o for o in model["offerings"] if o["providerModelId"] == OPENROUTER_ID]
    assert Decimal(offering["inputPrice"]) == NEW_PRICE
    assert Decimal(offering["before"]["inputPrice"]) == OLD_PRICE
    assert Decimal(offering["after"]["inputPrice"]) == NEW_PRICE
    points = [(p["field"], Decimal(p["oldValue"]), Decimal(p["newValue"]))
              for p in offering["priceHistory"]]  # fmt: skip
    assert points == [("input_price", OLD_PRICE, NEW_PRICE)]
    (history,) = [h for h in model["priceHistory"] if h["points"]]
    assert history["offering"] == {"providerId": "openrouter", "providerModelId": OPENROUTER_ID}

    # The version bump invalidated the cached `models` answer: the new price shows.
    after_sync, version_2, cache = await cheapest_inputs(client)
    assert int(version_2) > int(version_1) and cache is None
    assert Decimal(after_sync[model_id]) == NEW_PRICE
    assert {k: v for k, v in after_sync.items() if k != model_id} == {
        k: v for k, v in before_sync.items() if k != model_id
    }
