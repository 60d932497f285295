"""Issue 13: one anonymous client must not freeze, starve or bloat a replica (GraphQL side).

Each scenario sends the hostile input to a real replica process and asserts a clear 4xx or
GraphQL error code, no 5xx, no ERROR log line for a client mistake, and — for the attacks
on time and memory — that /health keeps answering and RSS stays bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import aiohttp
import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.reliability.conftest import StartReplicas
from tests.reliability.support.attack import (
    assert_responsive,
    error_codes,
    fan_out_document,
    get_graphql,
    health_during,
    post_graphql,
    ws_subscribe,
)
from tests.reliability.support.replica import ServerProcess, base_env
from tests.support.seed import seed_catalog

MIB = 1024 * 1024


async def _replica(
    replicas: StartReplicas, database_url: str, engine: AsyncEngine, **env: str
) -> ServerProcess:
    await seed_catalog(engine)
    [replica] = await replicas([base_env(database_url, RATE_LIMIT_PER_MINUTE="1000000", **env)])
    return replica


def _error_lines(replica: ServerProcess) -> list[str]:
    return [line for line in replica.log_text().splitlines() if '"level": "ERROR"' in line]


# ------------------------------------------------------------------ 1. fragment fan-out


async def test_fragment_fan_out_is_refused_over_get_post_and_websocket(
    replicas: StartReplicas, database_url: str, engine: AsyncEngine
) -> None:
    """2^30 fields in ~1.5 kB used to freeze the event loop for good while the depth, alias
    and cost rules walked the inlined document; now refused before any of them runs."""
    replica = await _replica(replicas, database_url, engine)
    url = replica.url
    answers: list[list[str]] = []

    async def attack() -> None:
        deadline = time.monotonic() + 2.0
        round_ = 0
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                round_ += 1
                tag = f"R{round_}x"  # distinct documents: no cache can help
                posted, got, streamed = await asyncio.gather(
                    post_graphql(session, url, fan_out_document(30, tag + "p")),
                    get_graphql(session, url, fan_out_document(30, tag + "g")),
                    ws_subscribe(session, url, fan_out_document(30, tag + "w")),
                )
                assert posted[0] == 200 and got[0] == 200, (posted, got)
                assert streamed["type"] == "error", streamed
                answers.extend(
                    [
                        error_codes(posted[1]),
                        error_codes(got[1]),
                        [e["extensions"]["code"] for e in streamed["payload"]],
                    ]
                )

    latencies = await health_during(url, attack())
    assert answers and all(codes == ["QUERY_TOO_COMPLEX"] for codes in answers), answers
    assert_responsive(latencies)
    # Just under the limit (2^12 fields once inlined) is still a valid document.
    async with aiohttp.ClientSession() as session:
        status, body = await post_graphql(session, url, fan_out_document(11, "ok"))
    assert status == 200 and not body.get("errors"), body


# ------------------------------------------------------------------ 2. text arguments, cost

LONG = "claude sonnet " * 18_000  # ~250 kB


async def test_long_text_arguments_are_refused_before_the_database(
    replicas: StartReplicas, database_url: str, engine: AsyncEngine
) -> None:
    replica = await _replica(replicas, database_url, engine, DB_POOL_SIZE="3")
    url = replica.url
    queries = [
        "query($s: String) { models(filter: {search: $s}) { totalCount } }",
        "query($s: String) { models(filter: {creator: $s}) { totalCount } }",
        "query($s: String!) { resolveModel(name: $s) { __typename } }",
        "query($s: String!) { modelByExternalId(source: OPENROUTER, id: $s) { id } }",
    ]
    async with aiohttp.ClientSession() as session:
        for query in queries:
            status, body = await post_graphql(session, url, query, {"s": "x" * 201})
            assert status == 200 and error_codes(body) == ["VALIDATION_ERROR"], (query, body)
            assert "at most 200 characters" in body["errors"][0]["message"]
            status, body = await post_graphql(session, url, query, {"s": "x" * 200})
            assert status == 200 and "VALIDATION_ERROR" not in error_codes(body), body

        # 12 long searches at once (more than the pool) and REST is still served.
        searches = [post_graphql(session, url, queries[0], {"s": LONG}) for _ in range(12)]
        rest = [session.get(f"{url}/v1/models?limit=2") for _ in range(6)]
        graphql_answers, rest_answers = await asyncio.gather(
            asyncio.gather(*searches), asyncio.gather(*rest)
        )
        assert all(error_codes(b) == ["VALIDATION_ERROR"] for _, b in graphql_answers)
        assert [r.status for r in rest_answers] == [200] * 6


async def test_resolve_model_has_a_cost(
    replicas: StartReplicas, database_url: str, engine: AsyncEngine
) -> None:
    replica = await _replica(replicas, database_url, engine)

    def aliased(count: int) -> str:
        fields = " ".join(
            f'r{i}: resolveModel(name: "no such model {i}") {{ __typename }}' for i in range(count)
        )
        return "{ " + fields + " }"

    async with aiohttp.ClientSession() as session:
        status, body = await post_graphql(session, replica.url, aliased(30))
        assert status == 200 and error_codes(body) == ["QUERY_TOO_COSTLY"], body
        status, body = await post_graphql(session, replica.url, aliased(5))
        assert status == 200 and not body.get("errors"), body


# ------------------------------------------------------------------ 3. document caches


async def test_distinct_large_documents_do_not_grow_memory(
    replicas: StartReplicas, database_url: str, engine: AsyncEngine
) -> None:
    """Each ~0.9 MB document (a long comment passes the token limit) used to be kept by the
    parse and validation caches (1,024 of them took RSS to ~3 GB), and lexing one held the
    event loop for ~0.3 s. Now a document over GRAPHQL_MAX_DOCUMENT_CHARS is refused before
    parsing, and the cache is bounded by bytes (tests/graphql/test_hostile_limits.py)."""
    replica = await _replica(replicas, database_url, engine)
    count, padding = 150, 900 * 1024
    async with aiohttp.ClientSession() as session:
        await post_graphql(session, replica.url, "{ catalog { __typename } }")
        rss_before, _ = replica.memory()

        async def attack() -> None:
            for n in range(count):
                document = f"# {n:05d} " + "x" * padding + "\n{ catalog { __typename } }"
                async with session.post(
                    f"{replica.url}/graphql",
                    data=orjson.dumps({"query": document}),
                    headers={"Content-Type": "application/json"},
                ) as resp:
                    answer = orjson.loads(await resp.read())
                    assert resp.status == 413, answer
                    assert answer["error"]["code"] == "PAYLOAD_TOO_LARGE", answer

        latencies = await health_during(replica.url, attack())
    assert_responsive(latencies)
    rss_after, _ = replica.memory()
    grown = rss_after - rss_before
    # Unbounded: 150 documents kept ~2 copies of 0.9 MB each (~270 MB).
    assert grown < 80 * MIB, f"RSS grew by {grown / MIB:.0f} MiB"


# ------------------------------------------------------------------ 5. websockets


async def _connect(session: aiohttp.ClientSession, url: str) -> aiohttp.ClientWebSocketResponse:
    ws = await session.ws_connect(f"{url}/graphql", protocols=["graphql-transport-ws"])
    await ws.send_json({"type": "connection_init"})
    assert (await ws.receive_json(timeout=30))["type"] == "connection_ack"
    return ws


SUBSCRIBE = "subscription { catalogChanges { __typename } }"


async def test_websocket_connections_and_subscriptions_are_capped_per_ip(
    replicas: StartReplicas, database_url: str, engine: AsyncEngine
) -> None:
    replica = await _replica(
        replicas,
        database_url,
        engine,
        WS_MAX_CONNECTIONS_PER_IP="3",
        WS_MAX_SUBSCRIPTIONS_PER_IP="4",
        WS_INIT_TIMEOUT_MS="500",
    )
    url = replica.url
    async with aiohttp.ClientSession() as session:
        sockets = [await _connect(session, url) for _ in range(3)]
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(f"{url}/graphql", protocols=["graphql-transport-ws"])
        assert refused.value.status == 429
        # 4 subscriptions spread over the connections are served; the 5th is refused,
        # whichever connection it comes on, and that connection stays usable.
        for n in range(4):
            await sockets[n % 3].send_json(
                {"id": f"s{n}", "type": "subscribe", "payload": {"query": SUBSCRIBE}}
            )
        await asyncio.sleep(0.3)
        await sockets[2].send_json(
            {"id": "over", "type": "subscribe", "payload": {"query": SUBSCRIBE}}
        )
        answer = await sockets[2].receive_json(timeout=10)
        assert answer["id"] == "over" and answer["type"] == "error", answer
        assert answer["payload"][0]["extensions"]["code"] == "RATE_LIMITED"
        await sockets[0].send_json({"id": "s0", "type": "complete"})
        await asyncio.sleep(0.3)
        await sockets[2].send_json(
            {"id": "again", "type": "subscribe", "payload": {"query": SUBSCRIBE}}
        )
        with pytest.raises(TimeoutError):  # served (no error); it waits for a change
            await sockets[2].receive_json(timeout=1)
        for ws in sockets:
            await ws.close()
        await asyncio.sleep(0.3)
        # A closed connection frees its slot.
        await (await _connect(session, url)).close()


async def test_websockets_without_init_legacy_or_oversized_are_closed(
    replicas: StartReplicas, database_url: str, engine: AsyncEngine
) -> None:
    replica = await _replica(replicas, database_url, engine, WS_INIT_TIMEOUT_MS="500")
    async with aiohttp.ClientSession() as session:
        started = time.monotonic()
        async with session.ws_connect(
            f"{replica.url}/graphql", protocols=["graphql-transport-ws"]
        ) as silent:
            message = await silent.receive(timeout=10)
        assert message.type == aiohttp.WSMsgType.CLOSE and message.data == 4408, message
        assert time.monotonic() - started < 5
        async with session.ws_connect(f"{replica.url}/graphql", protocols=["graphql-ws"]) as old:
            message = await old.receive(timeout=10)
        assert message.type == aiohttp.WSMsgType.CLOSE and message.data == 4406, message
        for size, close_code in ((40 * 1024, 4400), (2 * 1024 * 1024, 1009)):
            # Over the token limit (4400), over the message size (1009): closed, and the
            # document is not echoed into the log (20 MB sent used to log 21.7 MB).
            async with session.ws_connect(
                f"{replica.url}/graphql", protocols=["graphql-transport-ws"], max_msg_size=0
            ) as ws:
                await ws.send_json({"type": "connection_init"})
                assert (await ws.receive_json(timeout=30))["type"] == "connection_ack"
                document = "{ " + "a " * (size // 2) + "}"
                with contextlib.suppress(ConnectionError):
                    await ws.send_json(
                        {"id": "1", "type": "subscribe", "payload": {"query": document}}
                    )
                message = await ws.receive(timeout=30)
            assert message.type == aiohttp.WSMsgType.CLOSE and message.data == close_code
        # Over GRAPHQL_MAX_DOCUMENT_CHARS: refused before parsing, the connection stays.
        async with session.ws_connect(
            f"{replica.url}/graphql", protocols=["graphql-transport-ws"]
        ) as ws:
            await ws.send_json({"type": "connection_init"})
            assert (await ws.receive_json(timeout=30))["type"] == "connection_ack"
            document = "# " + "x" * 70_000 + "\n{ catalog { __typename } }"
            await ws.send_json({"id": "big", "type": "subscribe", "payload": {"query": document}})
            answer = await ws.receive_json(timeout=30)
            assert answer["type"] == "error", answer
            assert answer["payload"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
            await ws.send_json(
                {
                    "id": "ok",
                    "type": "subscribe",
                    "payload": {"query": "{ catalog { __typename } }"},
                }
            )
            assert (await ws.receive_json(timeout=30))["type"] == "next"
    assert _error_lines(replica) == []
    assert len(replica.log_text()) < 100_000


# ------------------------------------------------------------------ 6. bad bodies

BAD_BODIES: list[tuple[bytes, str]] = [
    (b'"a string"', "must be a JSON object"),
    (b"12", "must be a JSON object"),
    (b"null", "must be a JSON object"),
    (b"true", "must be a JSON object"),
    (b"\xff\xfe{}", "Unable to parse"),
    (b'{"query": "{ catalog { __typename } }", "x": "\xc3"}', "Unable to parse"),
    (b"[" * 1_000 + b"]" * 1_000, "Batching is not enabled"),
    (b"[" * 5_000 + b"]" * 5_000, "Unable to parse"),
    (b"not json", "Unable to parse"),
    (b'{"query": 5}', "must be a string"),
    (b'{"query": "{ __typename }", "variables": [1]}', "must be an object"),
]


async def test_bad_bodies_get_a_json_400_and_no_error_log(
    replicas: StartReplicas, database_url: str, engine: AsyncEngine
) -> None:
    replica = await _replica(replicas, database_url, engine)
    async with aiohttp.ClientSession() as session:
        for body, message in BAD_BODIES:
            async with session.post(
                f"{replica.url}/graphql", data=body, headers={"Content-Type": "application/json"}
            ) as resp:
                raw = await resp.read()
                assert resp.status == 400, (body[:60], resp.status, raw[:300])
                assert resp.content_type == "application/json", raw[:200]
                error = orjson.loads(raw)["error"]
                assert error["code"] == "VALIDATION_ERROR" and message in error["message"], (
                    body[:60],
                    error,
                )
        # Deeply nested but valid JSON (unused variables) is simply answered: it used to
        # fail while the response cache hashed the variables (a 500).
        deep = b'{"query": "{ __typename }", "variables": ' + b'{"a":' * 1_000 + b"1"
        async with session.post(
            f"{replica.url}/graphql",
            data=deep + b"}" * 1_001,
            headers={"Content-Type": "application/json"},
        ) as resp:
            assert resp.status == 200, await resp.read()
        async with session.post(
            f"{replica.url}/graphql", data=b"x", headers={"Content-Type": "text/plain"}
        ) as resp:
            assert resp.status == 400 and resp.content_type == "application/json"
        async with session.get(
            f"{replica.url}/graphql",
            params={"query": "mutation { triggerSync { __typename } }"},
            headers={"Accept": "application/json"},
        ) as resp:
            assert resp.status == 400 and resp.content_type == "application/json"
    assert _error_lines(replica) == []


# ------------------------------------------------------------------ 7. variables

VARIABLE_MISTAKES: list[tuple[str, dict[str, Any]]] = [
    ("query($f: Int) { models(first: $f) { totalCount } }", {"f": "ten"}),
    ("query($f: Int!) { models(first: $f) { totalCount } }", {}),
    ("query($id: ID!) { model(id: $id) { id } }", {"id": None}),
    ("query($f: Int) { models(first: $f) { totalCount } }", {"f": 2**40}),
    ("query($s: ModelSortInput) { models(sort: $s) { totalCount } }", {"s": {"field": "NOPE"}}),
    (
        "query($d: Date) { models(filter: {releasedAfter: $d}) { totalCount } }",
        {"d": "2024-13-45"},
    ),
    ("query($d: DateTime!) { changes(since: $d) { totalCount } }", {"d": "yesterday"}),
    (
        "query($c: [Capability!]) { models(filter: {capabilities: $c}) { totalCount } }",
        {"c": ["FLYING"]},
    ),
    ("subscription { catalogChanges { __typename } }", {}),
]
RAW_VARIABLE_MISTAKES = [
    b'{"query": "query($s: String) { models(filter: {search: $s}) { totalCount } }", '
    b'"variables": {"s": "\\ud800"}}',
    b'{"query": "query($f: Float) { models(first: 1) { totalCount } }", '
    b'"variables": {"f": 1e999999}}',
]


async def test_variable_mistakes_are_validation_errors_logged_nowhere(
    replicas: StartReplicas, database_url: str, engine: AsyncEngine
) -> None:
    replica = await _replica(replicas, database_url, engine)
    async with aiohttp.ClientSession() as session:
        for query, variables in VARIABLE_MISTAKES:
            status, body = await post_graphql(session, replica.url, query, variables)
            assert status == 200 and error_codes(body) == ["VALIDATION_ERROR"], (query, body)
        for raw in RAW_VARIABLE_MISTAKES:
            async with session.post(
                f"{replica.url}/graphql", data=raw, headers={"Content-Type": "application/json"}
            ) as resp:
                answer = await resp.read()
                assert resp.status == 400, answer[:300]
                assert orjson.loads(answer)["error"]["code"] == "VALIDATION_ERROR"
    assert _error_lines(replica) == []
