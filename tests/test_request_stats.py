"""server.request_stats exposes exactly what prometheus_client's Counter and Histogram would."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from server.request_stats import RequestStats

BUCKETS = (0.001, 0.01, 0.1, 1.0)
OBSERVATIONS = [
    ("GET", "/v1/models", 200, 0.0004),
    ("GET", "/v1/models", 200, 0.001),  # exactly on a bound: counted in that bucket
    ("HEAD", "/v1/models", 200, 0.02),  # another method, same route and status
    ("GET", "/v1/models", 304, 0.5),
    ("POST", "/graphql", 200, 7.0),  # above every bound: +Inf only
    ("GET", "unmatched", 404, 0.0),
]


def _samples(registry: CollectorRegistry) -> set[tuple[str, tuple[tuple[str, str], ...], float]]:
    text = generate_latest(registry).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items())), round(sample.value, 9))
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if not sample.name.endswith("_created")
    }


def test_request_stats_match_a_prometheus_counter_and_histogram() -> None:
    ours = CollectorRegistry()
    stats = RequestStats("t", BUCKETS)
    ours.register(stats)
    reference = CollectorRegistry()
    counter = Counter(
        "http_requests", "", ["method", "route", "status"], namespace="t", registry=reference
    )
    histogram = Histogram(
        "http_request_duration_seconds",
        "",
        ["route", "status"],
        namespace="t",
        registry=reference,
        buckets=BUCKETS,
    )
    for method, route, status, seconds in OBSERVATIONS:
        stats.observe(method, route, status, seconds)
        counter.labels(method=method, route=route, status=str(status)).inc()
        histogram.labels(route=route, status=str(status)).observe(seconds)

    assert _samples(ours) == _samples(reference)
    assert ("t_http_requests_total", (("method", "HEAD"), ("route", "/v1/models"),
            ("status", "200")), 1.0) in _samples(ours)  # fmt: skip


def test_an_unused_collector_exposes_empty_families() -> None:
    registry = CollectorRegistry()
    registry.register(RequestStats("t", BUCKETS))
    text = generate_latest(registry).decode()
    assert "# TYPE t_http_requests_total counter" in text
    assert "# TYPE t_http_request_duration_seconds histogram" in text
