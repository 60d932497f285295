"""models / model / resolveModel / modelByExternalId / compare over HTTP on the seed."""

from __future__ import annotations

import pytest

from tests.graphql.conftest import Client, codes, data, gql
from tests.support.seed import SeedInfo

IDS = """query($f: ModelFilterInput, $s: ModelSortInput, $n: Int, $a: String) {
  models(filter: $f, sort: $s, first: $n, after: $a) {
    totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage endCursor }
  } }"""


async def page(client: Client, **variables: object) -> dict[str, object]:
    return data(await gql(client, IDS, dict(variables)))["models"]  # type: ignore[no-any-return]


def ids(conn: dict[str, object]) -> list[str]:
    return [e["node"]["id"] for e in conn["edges"]]  # type: ignore[attr-defined]


async def test_default_page_hides_removed(client: Client, seeded: SeedInfo) -> None:
    conn = await page(client)
    assert conn["totalCount"] == 9 and set(ids(conn)) == set(seeded.visible_model_ids)


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ({"search": "sonnet"}, {"anthropic/claude-sonnet-4"}),
        ({"creator": "openai"}, {"openai/gpt-4o", "openai/gpt-4o-mini"}),
        ({"provider": "deepinfra"}, {"meta/llama-3.1-8b-instruct"}),
        (
            {"capabilities": ["TOOLS", "REASONING"], "minContextWindow": 1000000},
            {"anthropic/claude-sonnet-4", "google/gemini-2.5-pro"},
        ),
        ({"inputModalities": ["audio"]}, {"google/gemini-2.5-pro"}),
        ({"outputModalities": ["image"]}, set()),
        ({"openWeights": True}, {"meta/llama-3.1-8b-instruct", "qwen/qwen3-0.6b"}),
        ({"minMaxOutputTokens": 64000}, {"anthropic/claude-sonnet-4", "google/gemini-2.5-pro"}),
        ({"maxInputPrice": "0.2"}, {"openai/gpt-4o-mini", "meta/llama-3.1-8b-instruct"}),
        ({"maxOutputPrice": "0.6", "creator": "openai"}, {"openai/gpt-4o-mini"}),
        (
            {"releasedAfter": "2025-06-01", "releasedBefore": "2025-08-31"},
            {"anthropic/claude-opus-4-1", "google/gemini-2.5-pro"},
        ),
        ({"statuses": ["REMOVED"]}, {"openai/gpt-3.5-turbo"}),
        ({"source": "HUGGINGFACE"}, {"meta/llama-3.1-8b-instruct", "qwen/qwen3-0.6b"}),
    ],
)
async def test_filters(
    client: Client, seeded: SeedInfo, flt: dict[str, object], expected: set[str]
) -> None:
    assert set(ids(await page(client, f=flt, n=100))) == expected


@pytest.mark.parametrize(
    ("field", "descending", "first"),
    [
        ("NAME", False, "openrouter/auto"),  # "Auto Router"
        ("RELEASE_DATE", True, "anthropic/claude-opus-4-1"),
        ("CONTEXT_WINDOW", True, "openrouter/auto"),
        ("INPUT_PRICE", False, "meta/llama-3.1-8b-instruct"),
        ("OUTPUT_PRICE", True, "anthropic/claude-opus-4-1"),
        ("INTELLIGENCE_INDEX", True, "google/gemini-2.5-pro"),
        ("OUTPUT_SPEED", False, "openai/gpt-4o-mini"),
        ("DOWNLOADS", True, "meta/llama-3.1-8b-instruct"),
        ("LIKES", False, "qwen/qwen3-0.6b"),
    ],
)
async def test_sorts(
    client: Client, seeded: SeedInfo, field: str, descending: bool, first: str
) -> None:
    conn = await page(client, s={"field": field, "descending": descending}, n=100)
    assert ids(conn)[0] == first


async def test_pagination_walks_every_page_once(client: Client, seeded: SeedInfo) -> None:
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        conn = await page(client, n=4, a=cursor)
        seen += ids(conn)
        pages += 1
        info = conn["pageInfo"]
        assert info["hasPreviousPage"] is (pages > 1)  # type: ignore[index]
        if not info["hasNextPage"]:  # type: ignore[index]
            break
        cursor = info["endCursor"]  # type: ignore[index]
    assert pages == 3 and len(seen) == 9 and len(set(seen)) == 9


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"n": 0}, "VALIDATION_ERROR"),
        ({"n": 101}, "VALIDATION_ERROR"),
        ({"a": "not-a-cursor!!"}, "VALIDATION_ERROR"),
        ({"a": "YzE6Mzpmb28="}, "STALE_CURSOR"),  # base64 "c1:3:foo": another query
    ],
)
async def test_bad_page_arguments_are_typed_errors(
    client: Client, seeded: SeedInfo, variables: dict[str, object], code: str
) -> None:
    body = await gql(client, IDS, variables)
    assert codes(body) == [code] and body["data"] is None


async def test_cursor_goes_stale_when_catalog_version_changes(
    client: Client, seeded: SeedInfo, engine: object
) -> None:
    from sqlalchemy import text

    conn = await page(client, n=2)
    cursor = conn["pageInfo"]["endCursor"]  # type: ignore[index]
    async with engine.begin() as c:  # type: ignore[attr-defined]
        await c.execute(text("UPDATE catalog_state SET version = version + 1"))
    body = await gql(client, IDS, {"n": 2, "a": cursor})
    assert codes(body) == ["STALE_CURSOR"]
    assert "restart from the first page" in body["errors"][0]["message"]


MODEL = """query($id: ID!) { model(id: $id) {
  id name creatorId creator { name kind } capabilities contextWindow downloads likes
  cheapestInputPrice status
  offerings { id providerId isFree priceVariable inputPrice provider { name }
    priceTiers { aboveTokens inputPrice outputPrice } }
  cheapestOffering { providerId }
  scores { metric value variant independent selfReported }
  externalIds { source id matchMethod }
  priceHistory { offering { id } points { field oldValue newValue } }
  changes { kind field }
} }"""


async def test_model_with_related_fields(client: Client, seeded: SeedInfo) -> None:
    model = data(await gql(client, MODEL, {"id": "OpenAI/GPT-4o"}))["model"]
    assert model["creator"] == {"name": "OpenAI", "kind": "LAB"}
    assert model["capabilities"] == ["tools", "structured_output", "attachments", "temperature"]
    assert [o["id"] for o in model["offerings"]] == ["openai:gpt-4o", "openrouter:openai/gpt-4o"]
    assert model["cheapestOffering"]["providerId"] == "openai"
    assert {
        "metric": "mmlu",
        "value": "88.7",
        "variant": "",
        "independent": False,
        "selfReported": True,
    } in model["scores"]
    assert {"source": "artificialanalysis", "id": "gpt-4o", "matchMethod": "normalized"} in model[
        "externalIds"
    ]
    assert model["priceHistory"] == [
        {
            "offering": {"id": "openai:gpt-4o"},
            "points": [{"field": "input_price", "oldValue": "5", "newValue": "2.5"}],
        }
    ]
    assert [c["kind"] for c in model["changes"]] == ["ADDED", "PRICE_CHANGED"]
    assert model["cheapestInputPrice"] == "2.5"


async def test_model_edge_values(client: Client, seeded: SeedInfo) -> None:
    llama = data(await gql(client, MODEL, {"id": "meta/llama-3.1-8b-instruct"}))["model"]
    assert llama["downloads"] == 5000000 and llama["creator"] is None  # meta has no provider row
    assert llama["cheapestOffering"]["providerId"] == "deepinfra"  # paid offerings only
    assert [o["isFree"] for o in llama["offerings"]] == [False, True]
    auto = data(await gql(client, MODEL, {"id": "openrouter/auto"}))["model"]
    assert auto["offerings"][0]["priceVariable"] and auto["offerings"][0]["inputPrice"] is None
    assert auto["cheapestOffering"] is None
    sonnet = data(await gql(client, MODEL, {"id": "anthropic/claude-sonnet-4"}))["model"]
    assert sonnet["offerings"][0]["priceTiers"] == [
        {"aboveTokens": 200000, "inputPrice": "6", "outputPrice": "22.5"}
    ]
    assert data(await gql(client, MODEL, {"id": "nope/nope"}))["model"] is None


async def test_offering_filter_and_sort(client: Client, seeded: SeedInfo) -> None:
    q = """{ model(id: "meta/llama-3.1-8b-instruct") {
      free: offerings(filter: {freeOnly: true}) { providerId }
      desc: offerings(sort: {field: INPUT_PRICE, descending: true}) { providerId }
      or: offerings(filter: {provider: "openrouter"}) { providerModelId } } }"""
    model = data(await gql(client, q))["model"]
    assert model["free"] == [{"providerId": "openrouter"}]
    assert [o["providerId"] for o in model["desc"]] == ["deepinfra", "openrouter"]
    assert model["or"] == [{"providerModelId": "meta-llama/llama-3.1-8b-instruct:free"}]


RESOLVE = """query($n: String!) { resolveModel(name: $n) {
  __typename
  ... on ResolvedModel { rule matched model { id } }
  ... on ModelNotFound { message suggestions { id } } } }"""


@pytest.mark.parametrize(
    ("name", "model_id", "rule"),
    [
        ("openai/gpt-4o", "openai/gpt-4o", "id"),
        ("claude-4-sonnet", "anthropic/claude-sonnet-4", "external_id"),
        ("Claude Sonnet 4", "anthropic/claude-sonnet-4", "normalized"),
        ("claude-sonnet-4-20250514", "anthropic/claude-sonnet-4", "normalized"),
        ("anthropic/claude-opus-4.1", "anthropic/claude-opus-4-1", "external_id"),
        ("claude-opus-4.1", "anthropic/claude-opus-4-1", "normalized"),
        ("meta-llama/Llama-3.1-8B-Instruct", "meta/llama-3.1-8b-instruct", "huggingface_id"),
        ("sonnet-4-claude", "anthropic/claude-sonnet-4", "reordered"),
    ],
)
async def test_resolve_model(
    client: Client, seeded: SeedInfo, name: str, model_id: str, rule: str
) -> None:
    got = data(await gql(client, RESOLVE, {"n": name}))["resolveModel"]
    assert got["__typename"] == "ResolvedModel"
    assert (got["model"]["id"], got["rule"]) == (model_id, rule)


async def test_resolve_model_not_found_suggests(client: Client, seeded: SeedInfo) -> None:
    got = data(await gql(client, RESOLVE, {"n": "gemini pro 2.6"}))["resolveModel"]
    assert got["__typename"] == "ModelNotFound"
    assert "google/gemini-2.5-pro" in [s["id"] for s in got["suggestions"]]
    assert codes(await gql(client, RESOLVE, {"n": "  "})) == ["VALIDATION_ERROR"]


async def test_model_by_external_id(client: Client, seeded: SeedInfo) -> None:
    q = "query($s: Source!, $i: String!) { modelByExternalId(source: $s, id: $i) { id } }"
    got = data(await gql(client, q, {"s": "ARTIFICIAL_ANALYSIS", "i": "claude-4-sonnet"}))
    assert got["modelByExternalId"] == {"id": "anthropic/claude-sonnet-4"}
    got = data(await gql(client, q, {"s": "OPENROUTER", "i": "claude-4-sonnet"}))
    assert got["modelByExternalId"] is None


COMPARE = """query($ids: [ID!]!) { compare(ids: $ids) { models { id contextWindow }
  missingIds cheapestInputModelId largestContextModelId highestIntelligenceModelId } }"""


async def test_compare(client: Client, seeded: SeedInfo) -> None:
    ids_ = ["google/gemini-2.5-pro", "openai/gpt-4o", "anthropic/claude-sonnet-4", "x/y"]
    got = data(await gql(client, COMPARE, {"ids": ids_}))["compare"]
    assert [m["id"] for m in got["models"]] == ids_[:3] and got["missingIds"] == ["x/y"]
    assert got["cheapestInputModelId"] == "google/gemini-2.5-pro"
    assert got["largestContextModelId"] == "google/gemini-2.5-pro"
    assert got["highestIntelligenceModelId"] == "google/gemini-2.5-pro"


@pytest.mark.parametrize("count", [1, 11])
async def test_compare_needs_two_to_ten(client: Client, seeded: SeedInfo, count: int) -> None:
    body = await gql(client, COMPARE, {"ids": [f"a/{i}" for i in range(count)]})
    assert codes(body) == ["VALIDATION_ERROR"]
