"""Metrics updated on every request, kept in plain Python objects and handed to Prometheus
when it scrapes.

Every request updates one count and one latency histogram, and a cached answer one cache
counter. Through prometheus_client's Counter and Histogram each update took a lock and
several checks, a measurable share of a cached /v1 answer. Here an update is a dict lookup,
a bisect and two additions (RequestStats), or one addition (HotCounter); the event loop is
the only writer, and a scrape (also on the event loop) reads the totals and builds the same
families a Counter and a Histogram would expose (tested sample for sample):

    effect_models_http_requests_total{method, route, status}
    effect_models_http_request_duration_seconds_{bucket,sum,count}{route, status}
    effect_models_cache_hits_total{layer}, effect_models_cache_misses_total{layer}
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence

from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

# (method, route template, status) -> observations per bucket (the last slot is +Inf), then
# the sum of seconds.
_Key = tuple[str, str, int]


class RequestStats(Collector):
    def __init__(self, namespace: str, buckets: Sequence[float]) -> None:
        self._requests_name = f"{namespace}_http_requests"
        self._latency_name = f"{namespace}_http_request_duration_seconds"
        self._buckets = tuple(sorted(buckets))
        # The same "le" spelling as prometheus_client's own Histogram (untyped helper).
        labels = [floatToGoString(b) for b in self._buckets]  # type: ignore[no-untyped-call]
        self._bucket_labels = [*labels, "+Inf"]
        self._entries: dict[_Key, list[float]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = [0.0] * (len(self._buckets) + 2)
        # bisect_left: a value equal to a bound belongs to that bound's bucket (le = "<=").
        entry[bisect_left(self._buckets, seconds)] += 1
        entry[-1] += seconds

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            self._requests_name,
            "HTTP requests by method, route template and status",
            labels=["method", "route", "status"],
        )
        latency = HistogramMetricFamily(
            self._latency_name,
            "Time from request to response, by route template and status",
            labels=["route", "status"],
        )
        per_route: dict[tuple[str, str], list[float]] = {}
        for (method, route, status), entry in list(self._entries.items()):
            requests.add_metric([method, route, str(status)], sum(entry[:-1]))
            merged = per_route.setdefault((route, str(status)), [0.0] * len(entry))
            for index, value in enumerate(entry):
                merged[index] += value
        for labels, entry in per_route.items():
            latency.add_metric(list(labels), self._cumulative(entry[:-1]), entry[-1])
        yield requests
        yield latency

    def _cumulative(self, counts: list[float]) -> list[tuple[str, float]]:
        total = 0.0
        buckets = []
        for label, count in zip(self._bucket_labels, counts, strict=True):
            total += count
            buckets.append((label, total))
        return buckets


class Tally:
    """One labelled sample of a HotCounter. The hot path adds to `value` directly: no lock
    and no call (the event loop is the only writer)."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


class HotCounter(Collector):
    """A counter with one label, exposed like prometheus_client's Counter (`<name>_total`)."""

    def __init__(self, namespace: str, name: str, documentation: str, label: str) -> None:
        self._name = f"{namespace}_{name}"
        self._documentation = documentation
        self._label = label
        self._tallies: dict[str, Tally] = {}

    def labels(self, value: str) -> Tally:
        return self._tallies.setdefault(value, Tally())

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(self._name, self._documentation, labels=[self._label])
        for value, tally in list(self._tallies.items()):
            family.add_metric([value], tally.value)
        yield family
