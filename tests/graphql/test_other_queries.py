"""providers, changes, catalog, estimateCost, priceAt, admin sync fields, X-Catalog-Version."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import ADMIN_TOKEN
from tests.graphql.conftest import Client, codes, data, gql
from tests.support.seed import SeedInfo


async def test_providers_with_counts_and_provider_models(client: Client, seeded: SeedInfo) -> None:
    q = """{ providers(sort: MODEL_COUNT, descending: true, first: 2) {
        totalCount edges { node { id modelCount offeringCount } } }
      hosts: providers(filter: {kind: HOST}) { edges { node { id kind } } }
      provider(id: "openai") { name modelCount models(first: 5) { edges { node { id } } } }
      missing: provider(id: "nope") { id } }"""
    got = data(await gql(client, q))
    assert got["providers"]["totalCount"] == 6
    top = got["providers"]["edges"][0]["node"]
    assert top == {"id": "openrouter", "modelCount": 4, "offeringCount": 4}
    assert got["hosts"]["edges"] == [{"node": {"id": "deepinfra", "kind": "HOST"}}]
    openai = got["provider"]
    assert openai["modelCount"] == 2
    assert [e["node"]["id"] for e in openai["models"]["edges"]] == [
        "openai/gpt-4o",
        "openai/gpt-4o-mini",
    ]
    assert got["missing"] is None


async def test_change_feed(client: Client, seeded: SeedInfo) -> None:
    q = """query($k: [ChangeKind!], $m: String, $s: DateTime) {
      changes(kinds: $k, modelId: $m, since: $s, first: 50) {
        totalCount edges { node { kind modelId field oldValue newValue at } } } }"""
    prices = data(await gql(client, q, {"k": ["PRICE_CHANGED"]}))["changes"]
    assert prices["totalCount"] == 1
    assert prices["edges"][0]["node"]["oldValue"] == "5"
    recent = data(await gql(client, q, {"s": "2025-09-02T00:00:00Z"}))["changes"]
    assert [e["node"]["kind"] for e in recent["edges"]] == ["REMOVED"]
    everything = data(await gql(client, q, {}))["changes"]
    ats = [e["node"]["at"] for e in everything["edges"]]
    assert everything["totalCount"] == 12 and ats == sorted(ats, reverse=True)
    by_model = data(await gql(client, q, {"m": "openai/gpt-3.5-turbo"}))["changes"]
    assert {e["node"]["kind"] for e in by_model["edges"]} == {"ADDED", "REMOVED"}


async def test_catalog_freshness_and_attribution(client: Client, seeded: SeedInfo) -> None:
    q = """{ catalog { version modelCount offeringCount providerCount
      sources { source lastSuccessAt recordCount modelCount isStale staleSeconds }
      attributions { source text url } } }"""
    got = data(await gql(client, q))["catalog"]
    assert (got["modelCount"], got["offeringCount"], got["providerCount"]) == (9, 11, 6)
    assert got["version"] == seeded.catalog_version
    sources = {s["source"]: s for s in got["sources"]}
    assert sources["models.dev"]["lastSuccessAt"].startswith("2025-09-02T12:01")
    assert sources["artificialanalysis"]["lastSuccessAt"].startswith("2025-09-01T12:01")
    assert got["attributions"][0]["url"] == "https://artificialanalysis.ai/"


COST = """query($id: ID!, $i: Int!, $o: Int!, $c: Int!, $r: Int!) { model(id: $id) {
  offerings(filter: {provider: "anthropic"}) { estimateCost(inputTokens: $i, outputTokens: $o,
    cachedInputTokens: $c, reasoningTokens: $r) { total currency complete tierAppliedAboveTokens
    lines { item tokens unitPrice cost } } } } }"""


async def test_estimate_cost_long_context_tier_by_hand(client: Client, seeded: SeedInfo) -> None:
    # 2M input + 300k output on Claude Sonnet 4 (tier above 200k: input 6, output 22.5):
    # 2,000,000 * 6 / 1M = 12; 300,000 * 22.5 / 1M = 6.75; 100,000 cached * 0.3 / 1M = 0.03;
    # 10,000 reasoning at the output rate 22.5 / 1M = 0.225. Total 19.005.
    v = {"id": "anthropic/claude-sonnet-4", "i": 2_000_000, "o": 300_000, "c": 100_000, "r": 10_000}
    est = data(await gql(client, COST, v))["model"]["offerings"][0]["estimateCost"]
    assert Decimal(est["total"]) == Decimal("19.005")
    assert est["tierAppliedAboveTokens"] == 200000 and est["complete"]
    lines = {ln["item"]: ln for ln in est["lines"]}
    assert Decimal(lines["input"]["cost"]) == Decimal(12)
    assert Decimal(lines["output"]["unitPrice"]) == Decimal("22.5")
    assert Decimal(lines["cached_input"]["cost"]) == Decimal("0.03")
    # Below the tier: 1000 in * 3 / 1M + 1000 out * 15 / 1M = 0.018
    small = {**v, "i": 1000, "o": 1000, "c": 0, "r": 0}
    est = data(await gql(client, COST, small))["model"]["offerings"][0]["estimateCost"]
    assert Decimal(est["total"]) == Decimal("0.018") and est["tierAppliedAboveTokens"] is None
    bad = await gql(client, COST, {**v, "i": -1})
    assert codes(bad) == ["VALIDATION_ERROR"]


PRICE_AT = """query($at: DateTime!) { model(id: "openai/gpt-4o") {
  offerings(filter: {provider: "openai"}) { priceAt(at: $at) { inputPrice outputPrice } } } }"""


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2024-07-01T00:00:00Z", {"inputPrice": "5", "outputPrice": "10"}),
        ("2024-09-01T00:00:00Z", {"inputPrice": "2.5", "outputPrice": "10"}),
        ("2024-01-01T00:00:00Z", None),  # before the offering was first seen
    ],
)
async def test_price_at_before_and_after_change(
    client: Client, seeded: SeedInfo, at: str, expected: dict[str, str] | None
) -> None:
    got = data(await gql(client, PRICE_AT, {"at": at}))
    assert got["model"]["offerings"][0]["priceAt"] == expected


RUNS = "{ syncRuns { totalCount edges { node { id status sourceStats { source status } } } } }"


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "UNAUTHORIZED"),
        ({"Authorization": "Bearer wrong-token"}, "UNAUTHORIZED"),
        ({"x-admin": "true"}, "UNAUTHORIZED"),
    ],
)
async def test_admin_fields_refuse_without_token(
    client: Client, seeded: SeedInfo, headers: dict[str, str], code: str
) -> None:
    body = await gql(client, RUNS, headers=headers)
    assert codes(body) == [code] and body["data"] is None
    run = await gql(client, "{ syncRun(id: 1) { id } }", headers=headers)
    assert codes(run) == [code]


async def test_admin_fields_with_token(client: Client, seeded: SeedInfo) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    runs = data(await gql(client, RUNS, headers=headers))["syncRuns"]
    assert runs["totalCount"] == 2
    latest = runs["edges"][0]["node"]
    assert latest["status"] == "partial"
    assert {"source": "artificialanalysis", "status": "failed"} in latest["sourceStats"]
    legacy = {"x-admin": ADMIN_TOKEN}
    q = "query($id: Int!) { syncRun(id: $id) { id trigger } }"
    one = data(await gql(client, q, {"id": seeded.run_ids[0]}, headers=legacy))
    assert one["syncRun"] == {"id": seeded.run_ids[0], "trigger": "schedule"}


async def test_responses_carry_catalog_version(client: Client, seeded: SeedInfo) -> None:
    resp = await client.post("/graphql", json={"query": '{ model(id: "openai/gpt-4o") { id } }'})
    assert resp.headers["X-Catalog-Version"] == str(seeded.catalog_version)
