"""What the catalog looks like from outside: model counts and which snapshot generation a
/v1/models page was built from (see support/catalogs.py)."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.reliability.support.catalogs import input_price
from tests.reliability.support.http import Sample, call, scalar


def generation_of(page: dict[str, Any]) -> int | None:
    """The single generation every row of the page agrees on, or None when they disagree."""
    seen = set()
    for row in page["data"]:
        index = int(row["id"].rsplit("-", 1)[1])
        seen.add(row["inputCost"] / input_price(index, 1))
    return int(seen.pop()) if len(seen) == 1 else None


async def page(session: aiohttp.ClientSession, base: str, limit: int = 100) -> Sample:
    return await call(session, "GET", f"{base}/v1/models?limit={limit}&provider=acme")


async def model_count(database_url: str) -> int:
    return int(await scalar(database_url, "SELECT count(*) FROM models"))


async def catalog_version(database_url: str) -> int:
    return int(await scalar(database_url, "SELECT version FROM catalog_state WHERE id = 1"))


GENERATION_QUERY = (
    'query { models(first: 100, filter: {creator: "acme"}) '
    "{ totalCount edges { node { id cheapestInputPrice } } } }"
)


def graphql_generation_of(body: dict[str, Any]) -> int | None:
    """Like generation_of, for a GENERATION_QUERY answer (prices are Decimal strings)."""
    seen = set()
    for edge in body["data"]["models"]["edges"]:
        node = edge["node"]
        index = int(node["id"].rsplit("-", 1)[1])
        seen.add(float(node["cheapestInputPrice"]) / input_price(index, 1))
    return int(seen.pop()) if len(seen) == 1 else None
