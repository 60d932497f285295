"""Scenario 6: hostile clients against a real replica.

Bounded fuzz passes (hypothesis; many more examples with SOAK=1) over the REST routes and
the GraphQL schema must never produce a 5xx; oversized bodies get 413; slow clients cannot
starve the others; admin routes and fields refuse every credential except the token.
"""

from __future__ import annotations

import asyncio
import hmac
import http.client
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, urlencode

import graphql as gql
import hypothesis_graphql
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.core.errors import Unauthorized
from server.core.secrets import Secret
from server.http.auth import require_admin
from tests.conftest import ADMIN_TOKEN
from tests.reliability.conftest import SOAK
from tests.reliability.support.blocking import graphql, request, seeded_replica
from tests.reliability.support.http import fetch_runs
from tests.reliability.support.replica import ServerProcess, base_env

EXAMPLES = 1500 if SOAK else 120
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
LEAKS = (b"Traceback", b"sqlalchemy", b"asyncpg", b'File "')


@pytest.fixture
def replica(database_url: str) -> Iterator[ServerProcess]:
    env = base_env(database_url, RATE_LIMIT_PER_MINUTE="10000000")
    with seeded_replica(env, database_url) as started:
        yield started


def _assert_no_server_error(status: int, body: bytes, what: str) -> None:
    assert status < 500, f"{what} -> {status}: {body[:300]!r}"
    assert not any(leak in body for leak in LEAKS), f"{what} leaks internals: {body[:300]!r}"


# ------------------------------------------------------------------ REST fuzz

_PARAM_NAMES = ("limit", "offset", "provider", "search", "sort", "order", "capability", "x")
_values = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=40),
    st.sampled_from(["", "null", "[]", "{}", "true", "-0", "1e999", "%00", "../.."]),
)
_paths = st.one_of(
    st.sampled_from(["/v1/models", "/v1/admin/sync/history", "/v1/openapi.json", "/health"]),
    st.text(min_size=1, max_size=60).map(lambda t: "/v1/models/" + quote(t, safe="")),
    st.text(max_size=30).map(lambda t: "/v1/" + quote(t)),
)
_requests = st.tuples(
    st.sampled_from(["GET", "GET", "GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]),
    _paths,
    st.lists(st.tuples(st.sampled_from(_PARAM_NAMES) | st.text(max_size=8), _values), max_size=5),
    st.dictionaries(
        st.sampled_from(["x-admin", "Authorization", "If-None-Match", "Accept", "Origin"]),
        st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
        max_size=3,
    ),
)


def test_rest_fuzz_never_answers_5xx(replica: ServerProcess) -> None:
    @FUZZ
    @given(_requests)
    def one(case: tuple[str, str, list[tuple[str, str]], dict[str, str]]) -> None:
        method, path, params, headers = case
        target = path + ("?" + urlencode(params) if params else "")
        status, _, body = request(replica.port, method, target, headers=headers)
        _assert_no_server_error(status, body, f"{method} {target} {headers}")
        if status >= 400 and method != "HEAD":
            assert "code" in orjson.loads(body)["error"], body[:200]

    one()


# ------------------------------------------------------------------ GraphQL fuzz

_SCALARS: dict[str, Any] = {
    "Date": st.dates().map(lambda d: gql.StringValueNode(value=d.isoformat())),
    "DateTime": st.datetimes().map(lambda d: gql.StringValueNode(value=d.isoformat() + "Z")),
    "Decimal": st.decimals(allow_nan=False, places=4).map(
        lambda d: gql.StringValueNode(value=str(d))
    ),
    "JSON": st.just(gql.StringValueNode(value="{}")),
    "UUID": st.uuids().map(lambda u: gql.StringValueNode(value=str(u))),
}


def _schema(port: int) -> gql.GraphQLSchema:
    status, body = graphql(port, gql.get_introspection_query())
    assert status == 200 and not body.get("errors"), body
    return gql.build_client_schema(body["data"])


def _fuzz_graphql(replica: ServerProcess, strategy_for: Callable[..., Any]) -> None:
    schema = _schema(replica.port)
    scalars = {k: v for k, v in _SCALARS.items() if k in schema.type_map}
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    @FUZZ
    @given(strategy_for(schema, custom_scalars=scalars), st.booleans())
    def one(document: str, as_admin: bool) -> None:
        payload = orjson.dumps({"query": document})
        headers = {"Content-Type": "application/json", **(admin if as_admin else {})}
        status, _, body = request(replica.port, "POST", "/graphql", payload, headers)
        _assert_no_server_error(status, body, document)

    one()


def test_graphql_fuzz_valid_queries_never_5xx(replica: ServerProcess) -> None:
    _fuzz_graphql(replica, hypothesis_graphql.queries)


def test_graphql_fuzz_invalid_documents_never_5xx(replica: ServerProcess) -> None:
    negative = hypothesis_graphql.Mode.NEGATIVE

    def strategy(schema: gql.GraphQLSchema, **kw: Any) -> Any:
        return st.one_of(
            hypothesis_graphql.queries(schema, mode=negative, **kw),
            st.text(max_size=200),
        )

    _fuzz_graphql(replica, strategy)


# ------------------------------------------------------------------ oversized bodies

BIG = b"x" * (2 * 1024 * 1024)


@pytest.mark.parametrize("path", ["/graphql", "/v1/admin/sync"])
def test_oversized_bodies_get_413(replica: ServerProcess, path: str) -> None:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {ADMIN_TOKEN}"}
    status, _, body = request(replica.port, "POST", path, BIG, headers)
    assert status == 413, body[:200]
    assert orjson.loads(body)["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_oversized_chunked_body_gets_413(replica: ServerProcess) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b"y" * 65536

    conn_headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    conn = http.client.HTTPConnection("127.0.0.1", replica.port, timeout=15)
    try:
        conn.request("POST", "/graphql", body=chunks(), headers=conn_headers, encode_chunked=True)
        resp = conn.getresponse()
        assert resp.status == 413, resp.read()[:200]
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server may close the connection after answering 413 mid-upload
    finally:
        conn.close()


# ------------------------------------------------------------------ slow clients

SLOW_CLIENTS = 200


def _slow_sockets(port: int, count: int, head: bytes) -> list[socket.socket]:
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(head)
        sockets.append(sock)
    return sockets


def test_slow_clients_do_not_starve_others(replica: ServerProcess) -> None:
    """Half the slow clients dribble headers, half announce a body they never finish."""
    dribblers = _slow_sockets(replica.port, SLOW_CLIENTS // 2, b"GET /v1/models HTTP/1.1\r\nHo")
    body_head = (
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100000\r\n\r\n{"query":'
    )
    stallers = _slow_sockets(replica.port, SLOW_CLIENTS // 2, body_head)
    try:
        for n in range(20):
            for sock in dribblers[n::20]:
                sock.sendall(b"s")
            status, _, body = request(replica.port, "GET", "/v1/models?limit=2", timeout_s=5)
            assert status == 200, body[:200]
            status, body_json = graphql(replica.port, "{ models(first: 1) { totalCount } }")
            assert status == 200 and not body_json.get("errors"), body_json
    finally:
        for sock in dribblers + stallers:
            sock.close()


@pytest.mark.skipif(not SOAK, reason="waits for the server's idle timeout (SOAK=1 only)")
def test_slow_clients_are_disconnected(replica: ServerProcess) -> None:
    [sock] = _slow_sockets(replica.port, 1, b"GET /v1/models HTTP/1.1\r\n")
    started = time.monotonic()
    sock.settimeout(120)
    try:
        while sock.recv(1024):
            pass
    except (ConnectionResetError, TimeoutError):
        pass
    finally:
        sock.close()
    assert time.monotonic() - started < 100, "an idle half-sent request was never closed"


# ------------------------------------------------------------------ admin credentials

BAD_CREDENTIALS: list[dict[str, str]] = [
    {},
    {"x-admin": "true"},
    {"x-admin": "1"},
    {"x-admin": ADMIN_TOKEN[:-1]},
    {"x-admin": ADMIN_TOKEN + "x"},
    {"x-admin": ADMIN_TOKEN.upper()},
    {"x-admin": " " + ADMIN_TOKEN[1:]},
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer "},
    {"Authorization": f"Basic {ADMIN_TOKEN}"},
    {"Authorization": ADMIN_TOKEN},
    {"Authorization": f"Token {ADMIN_TOKEN}"},
    {"Authorization": f"Bearer {ADMIN_TOKEN[:8]}"},
    {"Authorization": "Bearer " + "a" * 4_000},
    {"Authorization": f"Bearer {ADMIN_TOKEN}\u00e9".encode().decode("latin-1")},
    {"Cookie": f"admin={ADMIN_TOKEN}"},
]


def test_admin_refuses_every_credential_but_the_token(
    replica: ServerProcess, database_url: str
) -> None:
    for headers in BAD_CREDENTIALS:
        for method, path in (("POST", "/v1/admin/sync"), ("GET", "/v1/admin/sync/history")):
            status, _, body = request(replica.port, method, path, headers=headers)
            assert status == 401, (headers, method, path, status, body[:200])
            assert orjson.loads(body)["error"]["code"] == "UNAUTHORIZED"
        status, body_json = graphql(
            replica.port, "mutation { triggerSync { __typename } }", headers=headers
        )
        assert status in (200, 401), body_json
        assert body_json.get("errors") or "Unauthorized" in orjson.dumps(body_json).decode(), (
            headers,
            body_json,
        )
    status, _, body = request(replica.port, "GET", f"/v1/admin/sync/history?token={ADMIN_TOKEN}")
    assert status == 401
    runs = asyncio.run(fetch_runs(database_url))
    assert all(r["trigger"] != "admin" or r["id"] <= 2 for r in runs), "a refused call synced"
    status, _, body = request(
        replica.port, "GET", "/v1/admin/sync/history", headers={"x-admin": ADMIN_TOKEN}
    )
    assert status == 200, body[:200]


def test_token_check_always_runs_one_constant_time_comparison(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Design review in code: whatever is presented (nothing, short, long, right), the check
    goes through exactly one hmac.compare_digest, whose time does not depend on where the
    strings differ; there is no early return on length or prefix."""
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    token = Secret(ADMIN_TOKEN)
    cases: list[dict[str, str]] = [{}, {"x-admin": "a"}, {"x-admin": "a" * 500}, *BAD_CREDENTIALS]
    for headers in cases:
        calls.clear()
        with pytest.raises(Unauthorized):
            require_admin(token, headers)
        assert len(calls) == 1, headers
    calls.clear()
    require_admin(token, {"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert len(calls) == 1
