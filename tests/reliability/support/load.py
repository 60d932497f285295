"""A bounded closed-loop load: `connections` workers, each sending its next request as soon
as the previous one is answered, until the deadline. Every answer is kept as a Sample."""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from collections.abc import Awaitable, Callable

import aiohttp

from tests.reliability.support.http import Sample

Request = Callable[[aiohttp.ClientSession, int], Awaitable[Sample]]


async def closed_loop(
    request: Request, connections: int, duration_s: float
) -> tuple[list[Sample], float]:
    """Run the load; return the samples and the wall time it took."""
    samples: list[Sample] = []
    counter = itertools.count()
    deadline = time.monotonic() + duration_s
    connector = aiohttp.TCPConnector(limit=connections)

    async def worker(session: aiohttp.ClientSession) -> None:
        while time.monotonic() < deadline:
            samples.append(await request(session, next(counter)))

    started = time.monotonic()
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(worker(session) for _ in range(connections)))
    return samples, time.monotonic() - started


def percentile_ms(samples: list[Sample], q: int) -> float:
    """The q-th percentile of the latencies, in milliseconds (nearest-rank on 100 cuts)."""
    latencies = [s.elapsed_s * 1000 for s in samples]
    if len(latencies) < 2:
        return latencies[0] if latencies else 0.0
    return statistics.quantiles(latencies, n=100, method="inclusive")[q - 1]
