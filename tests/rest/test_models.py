"""GET /v1/models and /v1/models/{id}: legacy shape, JSON types, filters, paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.tables import catalog_state, models
from server.http.rest.legacy import LEGACY_FIELDS
from tests.rest.conftest import Client
from tests.support.seed import SeedInfo

NUMBER_FIELDS = (
    "contextWindow",
    "maxOutputTokens",
    "inputCost",
    "outputCost",
    "cacheReadCost",
    "cacheWriteCost",
)
STRING_FIELDS = ("id", "name", "provider", "releaseDate", "lastUpdated", "knowledge")
BOOL_FIELDS = ("openWeights", "supportsTemperature", "supportsAttachments", "new")
LIST_FIELDS = ("modalities", "capabilities")


def assert_legacy_types(record: dict[str, object]) -> None:
    assert set(LEGACY_FIELDS) <= set(record), set(LEGACY_FIELDS) - set(record)
    for name in NUMBER_FIELDS:
        value = record[name]
        assert isinstance(value, int | float) and not isinstance(value, bool), (name, value)
    for name in STRING_FIELDS:
        assert isinstance(record[name], str), (name, record[name])
    for name in BOOL_FIELDS:
        assert isinstance(record[name], bool), (name, record[name])
    for name in LIST_FIELDS:
        value = record[name]
        assert isinstance(value, list) and all(isinstance(v, str) for v in value), (name, value)
    assert isinstance(record["pricingKnown"], bool)
    assert isinstance(record["offeringsCount"], int)


async def test_list_shape_and_types_of_every_record(client: Client, seeded: SeedInfo) -> None:
    resp = await client.get("/v1/models", params={"limit": "100"})
    assert resp.status == 200
    body = await resp.json()
    assert set(body) == {"data", "meta", "timestamp"}
    assert body["meta"] == {"total": len(seeded.visible_model_ids), "limit": 100, "offset": 0}
    assert sorted(r["id"] for r in body["data"]) == sorted(seeded.visible_model_ids)
    assert len(LEGACY_FIELDS) == 18
    for record in body["data"]:
        assert_legacy_types(record)


async def test_gpt_4o_record_values(client: Client, seeded: SeedInfo) -> None:
    resp = await client.get("/v1/models/openai/gpt-4o")
    assert resp.status == 200
    body = await resp.json()
    assert set(body) == {"data", "timestamp"}
    record = body["data"]
    assert {k: record[k] for k in LEGACY_FIELDS} == {
        "id": "openai/gpt-4o",
        "name": "GPT-4o",
        "provider": "openai",
        "contextWindow": 128000,
        "maxOutputTokens": 16384,
        "inputCost": 2.5,
        "outputCost": 10,
        "cacheReadCost": 1.25,
        "cacheWriteCost": 0,
        "modalities": ["text", "image"],
        "capabilities": ["tools"],
        "releaseDate": "2024-05-13",
        "lastUpdated": "2024-08-06",
        "knowledge": "2023-10",
        "openWeights": False,
        "supportsTemperature": True,
        "supportsAttachments": True,
        "new": False,
    }
    assert record["pricingKnown"] is True
    assert record["pricingProvider"] == "openai"
    assert record["offeringsCount"] == 2


async def test_prices_are_the_cheapest_paid_offering(client: Client, seeded: SeedInfo) -> None:
    # The cheapest PAID offering is deepinfra's; OpenRouter's :free variant counts only
    # when the client asks for free tiers.
    record = (await (await client.get("/v1/models/meta/llama-3.1-8b-instruct")).json())["data"]
    assert record["provider"] == "meta"
    assert (record["pricingProvider"], record["pricingListingKind"]) == ("deepinfra", "paid")
    assert (record["inputCost"], record["outputCost"], record["pricingKnown"]) == (
        0.03,
        0.05,
        True,
    )
    assert record["openWeights"] is True
    url = "/v1/models/meta/llama-3.1-8b-instruct?includeFree=true"
    free = (await (await client.get(url)).json())["data"]
    assert (free["pricingProvider"], free["pricingListingKind"]) == ("openrouter", "free_variant")
    assert (free["inputCost"], free["outputCost"]) == (0, 0)


async def test_unknown_prices_are_zero_and_flagged(client: Client, seeded: SeedInfo) -> None:
    for model_id in ("openrouter/auto", "qwen/qwen3-0.6b", "mistral/mistral-large"):
        record = (await (await client.get(f"/v1/models/{model_id}")).json())["data"]
        assert_legacy_types(record)
        assert (record["inputCost"], record["outputCost"]) == (0, 0)
        assert record["pricingKnown"] is False and record["pricingProvider"] == ""
    qwen = (await (await client.get("/v1/models/qwen/qwen3-0.6b")).json())["data"]
    assert (qwen["releaseDate"], qwen["knowledge"], qwen["contextWindow"]) == ("2025-04-29", "", 0)


async def test_new_means_released_in_the_last_30_days(
    client: Client, seeded: SeedInfo, engine: AsyncEngine
) -> None:
    today = datetime.now(UTC).date()
    async with engine.begin() as conn:
        await conn.execute(
            update(models).where(models.c.id == "openai/gpt-4o").values(release_date=today)
        )
        await conn.execute(
            update(models)
            .where(models.c.id == "openai/gpt-4o-mini")
            .values(release_date=today - timedelta(days=31))
        )
        await conn.execute(update(catalog_state).values(version=catalog_state.c.version + 1))
    data = (await (await client.get("/v1/models", params={"all": "true"})).json())["data"]
    flags = {r["id"]: r["new"] for r in data}
    assert flags["openai/gpt-4o"] is True
    assert flags["openai/gpt-4o-mini"] is False


async def test_paging(client: Client, seeded: SeedInfo) -> None:
    first = await (await client.get("/v1/models", params={"limit": "3"})).json()
    second = await (await client.get("/v1/models", params={"limit": "3", "offset": "3"})).json()
    assert first["meta"] == {"total": 9, "limit": 3, "offset": 0}
    assert second["meta"] == {"total": 9, "limit": 3, "offset": 3}
    ids = [r["id"] for r in first["data"] + second["data"]]
    assert len(set(ids)) == 6
    past_end = await (await client.get("/v1/models", params={"offset": "50"})).json()
    assert past_end["data"] == [] and past_end["meta"]["total"] == 9


async def test_default_limit_is_20_and_all_returns_everything(
    client: Client, seeded: SeedInfo
) -> None:
    default = await (await client.get("/v1/models")).json()
    assert default["meta"]["limit"] == 20
    everything = await (await client.get("/v1/models", params={"all": "true", "limit": "1"})).json()
    assert len(everything["data"]) == 9
    assert everything["meta"] == {"total": 9, "limit": 9, "offset": 0}


async def test_provider_filter_means_served_by(client: Client, seeded: SeedInfo) -> None:
    body = await (await client.get("/v1/models", params={"provider": "openrouter"})).json()
    assert sorted(r["id"] for r in body["data"]) == [
        "anthropic/claude-sonnet-4",
        "meta/llama-3.1-8b-instruct",
        "openai/gpt-4o",
        "openrouter/auto",
    ]


@pytest.mark.parametrize(
    "value",
    ["openai' OR '1'='1", "openai; DROP TABLE models; --", "%", "_", "\\", "openai%", '"'],
)
async def test_sql_metacharacters_in_provider_match_nothing(
    client: Client, seeded: SeedInfo, value: str
) -> None:
    resp = await client.get("/v1/models", params={"provider": value})
    assert resp.status == 200
    body = await resp.json()
    assert body["data"] == [] and body["meta"]["total"] == 0


@pytest.mark.parametrize("value", ["%", "_", "' OR 1=1 --", "zq%xv", "\\%"])
async def test_sql_metacharacters_in_search_match_literally(
    client: Client, seeded: SeedInfo, value: str
) -> None:
    resp = await client.get("/v1/models", params={"search": value})
    assert resp.status == 200
    assert (await resp.json())["data"] == []
    # The catalog is intact and search still works.
    hit = await (await client.get("/v1/models", params={"search": "gpt-4o"})).json()
    assert {r["id"] for r in hit["data"]} >= {"openai/gpt-4o", "openai/gpt-4o-mini"}


async def test_extra_filters_and_sort(client: Client, seeded: SeedInfo) -> None:
    params = {"capabilities": "reasoning", "sort": "-contextWindow"}
    body = await (await client.get("/v1/models", params=params)).json()
    assert [r["id"] for r in body["data"]] == [
        "google/gemini-2.5-pro",
        "anthropic/claude-sonnet-4",
        "anthropic/claude-opus-4-1",
    ]
    cheap = await (
        await client.get("/v1/models", params={"maxInputPrice": "0.2", "sort": "inputPrice"})
    ).json()
    assert [r["id"] for r in cheap["data"]] == ["meta/llama-3.1-8b-instruct", "openai/gpt-4o-mini"]
    removed = await (await client.get("/v1/models", params={"status": "removed"})).json()
    assert [r["id"] for r in removed["data"]] == [seeded.removed_model_id]
    hf = await (
        await client.get("/v1/models", params={"source": "huggingface", "openWeights": "true"})
    ).json()
    assert {r["id"] for r in hf["data"]} == {"qwen/qwen3-0.6b", "meta/llama-3.1-8b-instruct"}


async def test_unknown_id_is_a_404_envelope(client: Client, seeded: SeedInfo) -> None:
    resp = await client.get("/v1/models/openai/no-such-model")
    assert resp.status == 404
    body = await resp.json()
    assert body["error"]["code"] == "NOT_FOUND"
    assert "openai/no-such-model" in body["error"]["message"]
    assert set(body) == {"error", "timestamp"}


async def test_ids_are_case_insensitive_and_removed_models_are_found(
    client: Client, seeded: SeedInfo
) -> None:
    resp = await client.get("/v1/models/OpenAI/GPT-4o")
    assert resp.status == 200 and (await resp.json())["data"]["id"] == "openai/gpt-4o"
    removed = await (await client.get(f"/v1/models/{seeded.removed_model_id}")).json()
    assert removed["data"]["status"] == "removed"


@pytest.mark.parametrize(
    "path", ["/v1/models", "/v1/models/openai/gpt-4o", "/v1/providers", "/v1/admin/sync/history"]
)
async def test_trailing_slash_and_head_behave_like_get(
    client: Client, seeded: SeedInfo, path: str
) -> None:
    headers = {"Authorization": "Bearer test-admin-token-0123456789"}
    plain = await client.get(path, headers=headers)
    slashed = await client.get(path + "/", headers=headers)
    assert plain.status == slashed.status == 200
    plain_body, slashed_body = await plain.json(), await slashed.json()
    assert plain_body["data"] == slashed_body["data"]
    head = await client.head(path, headers=headers)
    assert head.status == 200
    assert await head.read() == b""
    assert head.headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    ("path", "unknown"),
    [
        ("/v1/models?capability=tools", "capability"),  # the real parameter is `capabilities`
        ("/v1/models?limit=5&pagesize=5&zzz=1", "pagesize, zzz"),
        ("/v1/models/openai/gpt-4o?fields=id", "fields"),
        ("/v1/providers?sort=name", "sort"),
    ],
)
async def test_unknown_query_parameters_are_refused_by_name(
    client: Client, seeded: SeedInfo, path: str, unknown: str
) -> None:
    resp = await client.get(path)
    assert resp.status == 400
    error = (await resp.json())["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert f"unknown query parameter(s): {unknown};" in error["message"]


def test_every_documented_list_parameter_is_accepted() -> None:
    from server.http.rest.models import LIST_PARAMETERS
    from server.http.rest.openapi import DOCUMENT

    documented = {p["name"] for p in DOCUMENT["paths"]["/v1/models"]["get"]["parameters"]}
    assert documented == LIST_PARAMETERS


async def test_search_ranks_by_relevance_unless_a_sort_is_given(
    client: Client, seeded: SeedInfo
) -> None:
    # "GPT-4o" sorts before "GPT-4o mini" by name, but the mini is the better match.
    ranked = (await (await client.get("/v1/models?search=gpt-4o mini")).json())["data"]
    assert [r["id"] for r in ranked][:2] == ["openai/gpt-4o-mini", "openai/gpt-4o"]
    by_name = (await (await client.get("/v1/models?search=gpt-4o mini&sort=name")).json())["data"]
    assert [r["id"] for r in by_name][:2] == ["openai/gpt-4o", "openai/gpt-4o-mini"]
