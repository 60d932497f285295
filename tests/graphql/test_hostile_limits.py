"""Pure parts of the hostile-client limits: the inlined-size count, the bounded document
cache and the Redis circuit breaker (their end-to-end behaviour is in tests/reliability)."""

from __future__ import annotations

import time

from graphql import GraphQLError, parse
from redis.exceptions import ConnectionError as RedisConnectionError

from schema.compose import schema, validate_in_two_steps
from schema.document_cache import TOKEN_BYTES, DocumentCache
from schema.limits import expanded_size
from server.core.redis_client import CircuitBreaker


def _fan_out(levels: int) -> str:
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    fragments.append(f"fragment F{levels} on Query {{ catalog {{ __typename }} }}")
    return "query { ...F0 } " + " ".join(fragments)


def test_expanded_size_counts_inlined_selections_in_linear_time() -> None:
    assert expanded_size(parse("{ catalog { __typename } }"), 100) == 2
    assert expanded_size(parse(_fan_out(3)), 100) == 2 * 2**3
    started = time.perf_counter()
    assert expanded_size(parse(_fan_out(60)), 5_000) == 5_001  # saturates above the cap
    assert time.perf_counter() - started < 1.0  # 2^61 selections: only linear work is fast
    cycle = "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }"
    assert expanded_size(parse(cycle), 100) == 0  # NoFragmentCyclesRule reports it


def test_the_expansion_rule_runs_alone_and_first() -> None:
    errors = validate_in_two_steps(schema._schema, parse(_fan_out(40)), ())
    assert [e.extensions for e in errors] == [
        {"code": "QUERY_TOO_COMPLEX", "maxExpandedSelections": 5_000}
    ]


def test_document_cache_is_bounded_by_count_bytes_and_document_size() -> None:
    cache = DocumentCache(max_entries=3, max_bytes=10**9, max_document_bytes=1_000)
    documents = [f"{{ a{n} }}" for n in range(5)]
    for query in documents:
        cache.parse(query, {})
    assert len(cache) == 3
    big = "{ b }" + " " * 2_000
    first = cache.parse(big, {})
    assert cache.parse(big, {}) is not first  # over max_document_bytes: never kept
    assert cache.parse(documents[-1], {}) is cache.parse(documents[-1], {})

    small = DocumentCache(max_entries=100, max_bytes=20 * TOKEN_BYTES, max_document_bytes=1_000)
    for n in range(10):
        small.parse(f"{{ a{n} b c }}", {})  # 5 tokens each (+ SOF/EOF)
    assert small.charged_bytes <= 20 * TOKEN_BYTES
    assert len(small) <= 3


def test_validation_results_are_kept_with_their_document() -> None:
    cache = DocumentCache(max_entries=10, max_bytes=10**9, max_document_bytes=10_000)
    calls: list[int] = []

    def run() -> list[GraphQLError]:
        calls.append(1)
        return []

    document = cache.parse("{ a }", {})
    assert cache.validate("{ a }", {}, document, (), run) == []
    assert cache.validate("{ a }", {}, document, (), run) == []
    assert len(calls) == 1
    other = parse("{ a }")  # not the cached document object: validated, not remembered
    cache.validate("{ a }", {}, other, (), run)
    assert len(calls) == 2


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_circuit_breaker_opens_cools_down_and_probes() -> None:
    clock = _Clock()
    breaker = CircuitBreaker(failures=3, cooldown_s=5, clock=clock)
    outage = RedisConnectionError("down")
    for _ in range(2):
        assert breaker.allow()
        breaker.failed(outage)
    breaker.succeeded()  # a success in between starts the count again
    for _ in range(3):
        assert breaker.allow()
        breaker.failed(outage)
    assert breaker.is_open and not breaker.allow()
    clock.now = 4.9
    assert not breaker.allow()
    clock.now = 5.1
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # only one at a time
    breaker.failed(outage)  # probe failed: another cool-down
    clock.now = 9.0
    assert not breaker.allow()
    clock.now = 10.2
    assert breaker.allow()
    breaker.succeeded()
    assert not _is_open(breaker)  # read again: mypy keeps the earlier assert's narrowing
    assert breaker.allow()
    assert breaker.allow()


def _is_open(breaker: CircuitBreaker) -> bool:
    return breaker.is_open
