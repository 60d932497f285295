"""Blocking helpers for hypothesis-driven tests (hypothesis drives plain functions): start a
seeded replica without an event loop, and send raw requests with http.client."""

from __future__ import annotations

import asyncio
import http.client
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import orjson

from server.core.database import create_engine
from tests.reliability.support.replica import ServerProcess
from tests.support.seed import seed_catalog


@contextmanager
def seeded_replica(env: Mapping[str, str], database_url: str) -> Iterator[ServerProcess]:
    async def seed() -> None:
        engine = create_engine(database_url, pool_size=1)
        try:
            await seed_catalog(engine)
        finally:
            await engine.dispose()

    asyncio.run(seed())
    replica = ServerProcess(env, name="fuzzed")
    replica.start()
    try:
        asyncio.run(replica.wait_healthy())
        yield replica
    finally:
        replica.stop()
        print(replica.log_tail(40))


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout_s: float = 15,
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_s)
    try:
        conn.request(method, path, body=body, headers=dict(headers or {}))
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def graphql(
    port: int, query: str, variables: Any = None, headers: Mapping[str, str] | None = None
) -> tuple[int, Any]:
    payload = orjson.dumps({"query": query, "variables": variables or {}})
    status, _, raw = request(
        port, "POST", "/graphql", payload, {"Content-Type": "application/json", **(headers or {})}
    )
    return status, orjson.loads(raw) if raw else None
