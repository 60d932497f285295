"""Identity through the whole stack: a real sync from loopback upstreams (hand-written
payloads), then GraphQL over HTTP shows `Model.aliasOf` and `ExternalId.matchMethod`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from server.core.secrets import Secret
from server.core.settings import Settings
from server.http.app import create_app
from sync.interface import SYNC_SERVICE
from tests.graphql.conftest import Client, data, gql


def _md(name: str, price: float) -> dict[str, Any]:
    return {"name": name, "cost": {"input": price, "output": price * 2}}


PAYLOADS: dict[str, Any] = {
    "/api.json": {
        "deepseek": {
            "name": "DeepSeek",
            "models": {
                "deepseek-chat": _md("DeepSeek Chat", 0.28),
                "deepseek-v3.2": _md("DeepSeek V3.2", 0.28),
            },
        },
        "openrouter": {
            "name": "OpenRouter",
            "models": {"deepseek/deepseek-chat": _md("DeepSeek V3", 0.2)},
        },
        "siliconflow": {
            "name": "SiliconFlow",
            "models": {"deepseek-ai/DeepSeek-V3": _md("DeepSeek-V3", 0.25)},
        },
        "acme-cloud": {"name": "Acme", "models": {"acme-chat-7": _md("Acme Chat 7", 1)}},
    },
    "/api/v1/models": {
        "data": [
            {
                "id": "deepseek/deepseek-chat",
                "canonical_slug": "deepseek/deepseek-chat-v3",
                "hugging_face_id": "deepseek-ai/DeepSeek-V3",
                "name": "DeepSeek: DeepSeek V3",
                "pricing": {"prompt": "0.0000002", "completion": "0.0000008"},
            }
        ]
    },
    "/api/models": [],
    "/api/v2/data/llms/models": {"status": 200, "data": []},
}


@pytest.fixture
async def upstream() -> AsyncIterator[TestServer]:
    app = web.Application()
    for path, body in PAYLOADS.items():

        async def handler(_: web.Request, body: Any = body) -> web.Response:
            return web.json_response(body)

        app.router.add_get(path, handler)
    server = TestServer(app)
    await server.start_server()
    yield server
    await server.close()


@pytest.fixture
async def synced(
    aiohttp_client: Any, settings_with_redis: Settings, upstream: TestServer
) -> Client:
    settings = settings_with_redis.with_overrides(
        models_dev_url=str(upstream.make_url("/api.json")),
        openrouter_url=str(upstream.make_url("/api/v1/models")),
        huggingface_url=str(upstream.make_url("/api/models")),
        artificial_analysis_url=str(upstream.make_url("/api/v2/data/llms/models")),
        artificial_analysis_api_key=Secret("test-aa-key"),
        api_retry_ms=10,
        rate_limit_ms=0,
    )
    client: Client = await aiohttp_client(create_app(settings))
    result = await client.app[SYNC_SERVICE].run("admin")
    assert result.status == "succeeded", result
    return client


MODEL = """query($id: ID!) { model(id: $id) {
  id aliasOf externalIds { source id matchMethod } } }"""
BY_OPENROUTER_ID = """query($id: String!) {
  modelByExternalId(source: OPENROUTER, id: $id) { id aliasOf } }"""


async def test_alias_and_match_methods_read_back_through_graphql(synced: Client) -> None:
    alias = data(await gql(synced, MODEL, {"id": "deepseek/deepseek-chat"}))["model"]
    assert alias["aliasOf"] == "deepseek/deepseek-v3.2"  # identity.json moving_aliases
    assert {"source": "models.dev", "id": "deepseek/deepseek-chat", "matchMethod": "exact"} in (
        alias["externalIds"]
    )
    # OpenRouter's deepseek/deepseek-chat is the fixed V3 its HF id names, not the alias
    fixed = data(await gql(synced, BY_OPENROUTER_ID, {"id": "deepseek/deepseek-chat"}))
    assert fixed["modelByExternalId"] == {"id": "deepseek/deepseek-v3", "aliasOf": None}
    target = data(await gql(synced, MODEL, {"id": "deepseek/deepseek-v3.2"}))["model"]
    assert target["aliasOf"] is None
    # a host's own model that matched nothing says so
    own = data(await gql(synced, MODEL, {"id": "acme-cloud/acme-chat-7"}))["model"]
    assert own["externalIds"] == [
        {"source": "models.dev", "id": "acme-cloud/acme-chat-7", "matchMethod": "minted"}
    ]
