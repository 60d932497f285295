"""Sort and displayed price agree, over the whole list, in both APIs (issue 14 item 4).

`/v1/models?sort=inputPrice` is ordered by the `inputCost` each record shows, and GraphQL
`sort: {field: INPUT_PRICE}` by each model's `cheapestOffering.inputPrice`, with and
without free tiers, ascending and descending; unknown prices come last. Checked on the
hand-written fixtures and, when ../shared is present, on the real payloads.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from aiohttp.web import Application, Request
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.settings import Settings
from sync.service import SyncService
from tests.graphql.conftest import data, gql
from tests.sync.support import SHARED, file_settings
from tests.sync.test_shared_payloads import _payload_dir

Client = TestClient[Request, Application]

GQL = """
query($sort: ModelSortInput!, $free: Boolean!, $after: String) {
  models(filter: {includeFree: $free}, sort: $sort, first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id cheapestOffering(includeFree: $free) { inputPrice outputPrice } } }
  }
}
"""


def _misordered(shown: list[float | None], descending: bool) -> list[int]:
    """Indexes i where shown[i], shown[i + 1] are out of order (None = unknown, last)."""
    bad = []
    for i, (a, b) in enumerate(itertools.pairwise(shown)):
        if a is None:
            if b is not None:
                bad.append(i)
        elif b is not None and (b < a if not descending else b > a):
            bad.append(i)
    return bad


async def _rest(client: Client, field: str, cost: str, free: bool, desc: bool) -> list[Any]:
    sign = "-" if desc else ""
    url = f"/v1/models?all=true&sort={sign}{field}&includeFree={str(free).lower()}"
    records = (await (await client.get(url)).json())["data"]
    return [r[cost] if r["pricingKnown"] else None for r in records]


async def _graphql(client: Client, field: str, price: str, free: bool, desc: bool) -> list[Any]:
    shown: list[Any] = []
    after = None
    while True:
        variables = {"sort": {"field": field, "descending": desc}, "free": free, "after": after}
        page = data(await gql(client, GQL, variables))["models"]
        for edge in page["edges"]:
            best = edge["node"]["cheapestOffering"]
            shown.append(float(best[price]) if best else None)
        if not page["pageInfo"]["hasNextPage"]:
            return shown
        after = page["pageInfo"]["endCursor"]


async def _check_everything(client: Client) -> int:
    count = 0
    for free in (False, True):
        for desc in (False, True):
            for rest_field, cost, gql_field, price in (
                ("inputPrice", "inputCost", "INPUT_PRICE", "inputPrice"),
                ("outputPrice", "outputCost", "OUTPUT_PRICE", "outputPrice"),
            ):
                shown = await _rest(client, rest_field, cost, free, desc)
                assert _misordered(shown, desc) == [], (rest_field, free, desc)
                listed = await _graphql(client, gql_field, price, free, desc)
                assert _misordered(listed, desc) == [], (gql_field, free, desc)
                assert sorted(x for x in shown if x is not None) == sorted(
                    x for x in listed if x is not None
                )  # both APIs show the same prices
                count = len(shown)
    return count


def test_misordered_finds_neighbours_out_of_order() -> None:
    assert _misordered([1, 2, 2, None, None], False) == []
    assert _misordered([2, 1, None, 3], False) == [0, 2]
    assert _misordered([3, 1, None], True) == []


async def test_fixture_catalog_sorts_by_the_shown_price(
    engine: AsyncEngine, settings: Settings, client: Client
) -> None:
    result = await SyncService(engine, file_settings(settings)).run("cli")
    assert result.status == "succeeded", result.message
    assert await _check_everything(client) > 5


@pytest.mark.shared
@pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} is absent")
async def test_shared_catalog_sorts_by_the_shown_price(
    engine: AsyncEngine, settings: Settings, client: Client, tmp_path: Path
) -> None:
    directory = _payload_dir(tmp_path, "models.json", "models.json")
    result = await SyncService(engine, file_settings(settings, directory)).run("cli")
    assert result.status == "succeeded", result.message
    assert await _check_everything(client) > 1000
