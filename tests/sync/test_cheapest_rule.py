"""Listing kinds and the one "cheapest" rule, end to end: a real sync of small payloads
that mix paid, free (`:free`), playground (github-models, nvidia) and self-hosted
(lmstudio) listings, then the README flagship query over GraphQL and REST.

The rule: a model's price is its cheapest active PAID offering (input + output, both
known); with includeFree, free tiers and playgrounds count too. Sorts, price filters,
`cheapestOffering` and the REST costs all follow it, so a list sorted by price is sorted
by the price each record shows.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from aiohttp.web import Application, Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.settings import Settings
from sync.listing import classify
from sync.records import Prices
from sync.service import SyncService
from tests.graphql.conftest import data, gql
from tests.sync.support import file_settings

Client = TestClient[Request, Application]
D = Decimal


def _md_model(name: str, cost: dict[str, float] | None, **extra: Any) -> dict[str, Any]:
    model: dict[str, Any] = {
        "name": name,
        "attachment": False,
        "reasoning": False,
        "tool_call": True,
        "release_date": "2025-01-01",
        "last_updated": "2025-01-01",
        "modalities": {"input": ["text"], "output": ["text"]},
        "open_weights": False,
        "limit": {"context": 131072, "output": 8192},
        **extra,
    }
    if cost is not None:
        model["cost"] = cost
    return model


def _provider(pid: str, name: str, models: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {"id": pid, "name": name, "env": [], "npm": "@ai-sdk/openai-compatible", "models": {
        mid: {"id": mid, **m} for mid, m in models.items()
    }}  # fmt: skip


MODELS_DEV = {
    "openai": _provider("openai", "OpenAI", {
        "gpt-x": _md_model("GPT-X", {"input": 2, "output": 8}),
        "gpt-x-mini": _md_model("GPT-X mini", {"input": 0.4, "output": 1.6}),
    }),
    "github-models": _provider("github-models", "GitHub Models", {
        "openai/gpt-x": _md_model("GPT-X", {"input": 0, "output": 0}),
        "openai/gpt-x-mini": _md_model("GPT-X mini", {"input": 0, "output": 0}),
    }),
    "nvidia": _provider("nvidia", "Nvidia", {
        "meta/llama-x-70b-instruct": _md_model("Llama X 70B", {"input": 0, "output": 0}),
    }),
    "deepinfra": _provider("deepinfra", "DeepInfra", {
        "meta-llama/Llama-X-70B-Instruct": _md_model("Llama X 70B", {"input": 0.2, "output": 0.6}),
    }),
    "lmstudio": _provider("lmstudio", "LMStudio", {
        "meta-llama/llama-x-70b-instruct": _md_model("Llama X 70B", {"input": 0, "output": 0}),
    }),
}  # fmt: skip


def _or_model(mid: str, name: str, prompt: str, completion: str) -> dict[str, Any]:
    return {
        "id": mid,
        "canonical_slug": mid.split(":")[0],
        "hugging_face_id": "",
        "name": name,
        "created": 1735689600,
        "description": "",
        "context_length": 131072,
        "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
        "pricing": {"prompt": prompt, "completion": completion},
        "top_provider": {"context_length": 131072, "max_completion_tokens": 8192},
        "supported_parameters": ["tools", "temperature"],
    }


OPENROUTER = {
    "data": [
        _or_model("openai/gpt-x", "OpenAI: GPT-X", "0.0000025", "0.00001"),
        _or_model("meta-llama/llama-x-70b-instruct:free", "Meta: Llama X 70B (free)", "0", "0"),
        _or_model("meta-llama/llama-x-70b-instruct", "Meta: Llama X 70B", "0.0000003", "0.0000004"),
    ]
}


@pytest.fixture
async def synced(engine: AsyncEngine, settings: Settings, tmp_path: Path) -> None:
    payloads = {
        "models_dev.json": MODELS_DEV,
        "openrouter.json": OPENROUTER,
        "huggingface.json": [],
        "artificialanalysis.json": {"status": 200, "data": []},
    }
    for name, body in payloads.items():
        (tmp_path / name).write_text(json.dumps(body))
    result = await SyncService(engine, file_settings(settings, tmp_path)).run("cli")
    assert result.status == "succeeded", result.message


async def _kinds(engine: AsyncEngine) -> dict[tuple[str, str], tuple[str, Any, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT provider_id, provider_model_id, listing_kind, input_price, output_price "
                 "FROM offerings")
        )  # fmt: skip
        return {(r[0], r[1]): (r[2], r[3], r[4]) for r in rows}


@pytest.mark.parametrize(
    ("provider", "model_id", "prices", "kind", "stored_input"),
    [
        ("openai", "gpt-x", Prices(D(2), D(8)), "paid", D(2)),
        ("github-models", "openai/gpt-x", Prices(D(0), D(0), is_free=True), "playground", D(0)),
        ("nvidia", "meta/llama", Prices(D(0), D(0), is_free=True), "playground", D(0)),
        ("openrouter", "meta/llama:free", Prices(D(0), D(0), is_free=True), "free_variant", D(0)),
        ("kilo", "x/y-free", Prices(D("0.1"), D("0.1")), "free_variant", D("0.1")),
        ("acme", "x", Prices(D(0), D(0)), "free_variant", D(0)),
        ("lmstudio", "llama", Prices(D(0), D(0), is_free=True), "price_unknown", None),
        ("zai-coding-plan", "glm", Prices(D(0), D(0), is_free=True), "price_unknown", None),
        ("zai-coding-plan", "glm-paid", Prices(D(1), D(2)), "paid", D(1)),
        ("acme", "x", Prices(), "price_unknown", None),
        ("openrouter", "openrouter/auto", Prices(variable=True), "paid", None),
    ],
)
def test_classify(
    provider: str, model_id: str, prices: Prices, kind: str, stored_input: Decimal | None
) -> None:
    stored, got = classify(provider, model_id, prices)
    assert got == kind
    assert stored.input_price == stored_input
    if kind == "price_unknown":  # a $0 that means "unknown" is NULL, and not free
        assert stored.output_price is None and not stored.is_free


async def test_sync_stores_listing_kinds_and_nulls_unknown_zeros(
    engine: AsyncEngine, synced: None
) -> None:
    kinds = await _kinds(engine)
    assert kinds["github-models", "openai/gpt-x"] == ("playground", D(0), D(0))
    assert kinds["nvidia", "meta/llama-x-70b-instruct"][0] == "playground"
    assert kinds["openrouter", "meta-llama/llama-x-70b-instruct:free"][0] == "free_variant"
    assert kinds["lmstudio", "meta-llama/llama-x-70b-instruct"] == ("price_unknown", None, None)
    assert kinds["openai", "gpt-x"] == ("paid", D(2), D(8))


FLAGSHIP = """
query($free: Boolean! = false) {
  models(filter: {capabilities: [TOOLS], minContextWindow: 128000, includeFree: $free},
         sort: {field: INPUT_PRICE}, first: 100) {
    edges { node { id cheapestInputPrice
      cheapestOffering(includeFree: $free) { providerId listingKind inputPrice outputPrice }
      offerings(filter: {listingKinds: [PLAYGROUND]}) { providerId } } }
  }
}
"""


def _prices(edges: list[dict[str, Any]]) -> list[tuple[str, str | None, str | None]]:
    out = []
    for edge in edges:
        best = edge["node"]["cheapestOffering"]
        out.append((edge["node"]["id"], best and best["providerId"], best and best["inputPrice"]))
    return out


async def test_flagship_query_answers_with_paid_offerings_first(
    client: Client, synced: None
) -> None:
    edges = data(await gql(client, FLAGSHIP))["models"]["edges"]
    # Paid offerings with real prices, cheapest first; no $0 playground or :free listing.
    assert _prices(edges) == [
        # openrouter 0.3 + 0.4 beats deepinfra 0.2 + 0.6: input + output decides
        ("meta/llama-x-70b-instruct", "openrouter", "0.3"),
        ("openai/gpt-x-mini", "openai", "0.4"),
        ("openai/gpt-x", "openai", "2"),
    ]
    assert all(e["node"]["cheapestOffering"]["listingKind"] == "PAID" for e in edges)
    # The playgrounds are still there, labelled, for whoever asks for them.
    assert edges[1]["node"]["offerings"] == [{"providerId": "github-models"}]
    free = data(await gql(client, FLAGSHIP, {"free": True}))["models"]["edges"]
    # All $0 now; equal prices keep id order, and nvidia < openrouter breaks llama's tie.
    assert [(p, i) for _, p, i in _prices(free)] == [
        ("nvidia", "0"),
        ("github-models", "0"),
        ("github-models", "0"),
    ]


async def test_rest_flagship_equivalent_and_listing_kind_filter(
    client: Client, synced: None
) -> None:
    url = "/v1/models?capabilities=tools&minContextWindow=128000&sort=inputPrice"
    records = (await (await client.get(url)).json())["data"]
    assert [(r["id"], r["pricingProvider"], r["inputCost"]) for r in records] == [
        ("meta/llama-x-70b-instruct", "openrouter", 0.3),
        ("openai/gpt-x-mini", "openai", 0.4),
        ("openai/gpt-x", "openai", 2),
    ]
    free = (await (await client.get(url + "&includeFree=true")).json())["data"]
    assert [r["pricingListingKind"] for r in free] == ["playground"] * 3
    playground = (await (await client.get("/v1/models?listingKind=playground")).json())["data"]
    assert len(playground) == 3
    none = (await (await client.get("/v1/models?listingKind=price_unknown")).json())["data"]
    assert [r["id"] for r in none] == ["meta/llama-x-70b-instruct"]  # lmstudio's copy
    bad = await client.get("/v1/models?listingKind=gratis")
    assert bad.status == 400 and "listingKind" in (await bad.json())["error"]["message"]


async def test_graphql_listing_kind_filters(client: Client, synced: None) -> None:
    query = """{ models(filter: {listingKinds: [PRICE_UNKNOWN]}) { edges { node { id
        offerings(filter: {listingKinds: [PRICE_UNKNOWN]}) { providerId inputPrice isFree }
    } } } }"""
    edges = data(await gql(client, query))["models"]["edges"]
    assert [e["node"]["id"] for e in edges] == ["meta/llama-x-70b-instruct"]
    assert edges[0]["node"]["offerings"] == [
        {"providerId": "lmstudio", "inputPrice": None, "isFree": False}
    ]
    bad = await gql(client, "{ models(filter: {listingKinds: [GRATIS]}) { totalCount } }")
    assert "errors" in bad
