"""Hostile-client helpers: /health latency measured from a separate client while an attack
runs, and the attacks' documents."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import Any

import aiohttp
import orjson

# The bound: /health answers within this while an attack runs.
HEALTH_BOUND_S = 0.1
# The machine running the suite may be loaded: a few probes may be late for reasons that
# have nothing to do with the server, but a frozen event loop makes most of them late.
LATE_SHARE = 0.2
NEVER_S = 1.0


async def _probe(url: str, stop: asyncio.Event, latencies: list[float]) -> None:
    async with aiohttp.ClientSession() as session:  # its own connection, not the attacker's
        while not stop.is_set():
            started = time.perf_counter()
            async with session.get(
                f"{url}/health", timeout=aiohttp.ClientTimeout(total=30)
            ) as resp:
                await resp.read()
                assert resp.status == 200
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(0.02)


async def health_during(url: str, attack: Awaitable[Any]) -> list[float]:
    """Probe /health every 20 ms until the attack finishes; the probes' latencies."""
    latencies: list[float] = []
    stop = asyncio.Event()
    prober = asyncio.create_task(_probe(url, stop, latencies))
    await asyncio.sleep(0.1)  # the prober is connected before the attack starts
    try:
        await attack
    finally:
        stop.set()
        await prober
    return latencies


def assert_responsive(latencies: list[float]) -> None:
    assert len(latencies) >= 10, f"too few health probes: {latencies}"
    late = [round(s, 3) for s in latencies if s > HEALTH_BOUND_S]
    assert len(late) <= LATE_SHARE * len(latencies), (
        f"{len(late)} of {len(latencies)} health probes over {HEALTH_BOUND_S}s: {late[:20]}"
    )
    assert max(latencies) < NEVER_S, f"a health probe took {max(latencies):.2f}s"


def fan_out_document(levels: int, tag: str) -> str:
    """F0 spreads F1 twice, F1 spreads F2 twice, ...: 2^levels fields once inlined, in a few
    hundred bytes (`tag` makes each document distinct, so no cache helps)."""
    fragments = [
        f"fragment {tag}{i} on Query {{ ...{tag}{i + 1} ...{tag}{i + 1} }}" for i in range(levels)
    ]
    fragments.append(f"fragment {tag}{levels} on Query {{ catalog {{ __typename }} }}")
    return f"query {{ ...{tag}0 }} " + " ".join(fragments)


def error_codes(body: Any) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]


async def post_graphql(
    session: aiohttp.ClientSession, url: str, query: str, variables: Any = None
) -> tuple[int, Any]:
    payload = orjson.dumps({"query": query, "variables": variables})
    async with session.post(
        f"{url}/graphql",
        data=payload,
        headers={"Content-Type": "application/json"},
        timeout=aiohttp.ClientTimeout(total=60),
    ) as resp:
        return resp.status, orjson.loads(await resp.read())


async def get_graphql(session: aiohttp.ClientSession, url: str, query: str) -> tuple[int, Any]:
    async with session.get(
        f"{url}/graphql",
        params={"query": query},
        headers={"Accept": "application/json"},
        timeout=aiohttp.ClientTimeout(total=60),
    ) as resp:
        return resp.status, orjson.loads(await resp.read())


async def ws_subscribe(session: aiohttp.ClientSession, url: str, query: str) -> dict[str, Any]:
    """One graphql-transport-ws connection, one `subscribe`, its first answer."""
    async with session.ws_connect(f"{url}/graphql", protocols=["graphql-transport-ws"]) as ws:
        await ws.send_json({"type": "connection_init"})
        ack = await ws.receive_json(timeout=30)
        assert ack["type"] == "connection_ack", ack
        await ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": query}})
        answer: dict[str, Any] = await ws.receive_json(timeout=60)
        return answer
