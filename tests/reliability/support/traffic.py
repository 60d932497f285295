"""Background client traffic that records every answer, for outage scenarios."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable

import aiohttp

from tests.reliability.support.http import Sample, call

# $m (a context-window floor below any real one) differs per request, so the response
# cache cannot answer a GraphQL request from an earlier one.
GRAPHQL_QUERY = (
    "query($n: Int!, $m: Int!) { models(first: $n, filter: {minContextWindow: $m}) "
    "{ totalCount edges { node { id } } } }"
)


def catalog_requests(base: str) -> Callable[[aiohttp.ClientSession, int], object]:
    """Round-robin over the read routes; varying page sizes (and, for GraphQL, a filter
    value per request: its cache serves any repeat) defeat the response caches, so each
    request needs PostgreSQL (or fails the way the scenario expects)."""

    async def one(session: aiohttp.ClientSession, n: int) -> Sample:
        size = 1 + n % 50
        match n % 3:
            case 0:
                return await call(session, "GET", f"{base}/v1/models?limit={size}&offset={n % 7}")
            case 1:
                body = {"query": GRAPHQL_QUERY, "variables": {"n": size, "m": -n}}
                return await call(session, "POST", f"{base}/graphql", json_body=body)
            case _:
                return await call(session, "GET", f"{base}/ready")

    return one


class Traffic:
    """`workers` clients sending requests back to back until stopped."""

    def __init__(self, base: str, workers: int = 4, pause_s: float = 0.02) -> None:
        self.request = catalog_requests(base)
        self.workers = workers
        self.pause_s = pause_s
        self.samples: list[Sample] = []
        self._counter = itertools.count()
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> Traffic:
        self._session = aiohttp.ClientSession()
        self._tasks = [asyncio.create_task(self._worker()) for _ in range(self.workers)]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)
        await self._session.close()

    async def _worker(self) -> None:
        while not self._stop.is_set():
            sample = await self.request(self._session, next(self._counter))  # type: ignore[misc]
            assert isinstance(sample, Sample)
            self.samples.append(sample)
            await asyncio.sleep(self.pause_s)
