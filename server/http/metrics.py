"""Prometheus metrics: one registry for the process, helpers other modules call, /metrics.

Counters and histograms are updated where things happen (the edge, the
cache, the rate limiter, the sync). Values that live in PostgreSQL (catalog sizes, last
successful sync per source, the last run's duration) are read when Prometheus scrapes, so
every replica reports the shared truth without a background job.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import QueuePool

from server.core.catalog.freshness import SUCCESS_STATUSES
from server.core.tables import models, offerings
from server.core.vocabulary import ENTITY_STATUSES, SOURCES
from server.http.keys import ENGINE, READ_ENGINE, SETTINGS

log = logging.getLogger(__name__)

# Our own registry: no default process collectors from other libraries, no global clashes.
REGISTRY = CollectorRegistry(auto_describe=True)
_NS = "effect_models"

HTTP_REQUESTS = Counter(
    "http_requests",
    "HTTP requests by method, route template and status",
    ["method", "route", "status"],
    namespace=_NS,
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time from request to response, by route template and status",
    ["route", "status"],
    namespace=_NS,
    registry=REGISTRY,
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
CACHE_HITS = Counter(
    "cache_hits", "Response cache hits by layer", ["layer"], namespace=_NS, registry=REGISTRY
)
CACHE_MISSES = Counter(
    "cache_misses", "Response cache misses by layer", ["layer"], namespace=_NS, registry=REGISTRY
)
CACHE_ERRORS = Counter(
    "cache_errors",
    "Cache operations that failed (served without cache)",
    ["operation"],
    namespace=_NS,
    registry=REGISTRY,
)
RATE_LIMIT_REJECTIONS = Counter(
    "rate_limit_rejections", "Requests answered 429", namespace=_NS, registry=REGISTRY
)
RATE_LIMIT_FAIL_OPEN = Counter(
    "rate_limit_fail_open",
    "Requests counted by the in-process limiter because the rate-limit store (Redis) failed",
    namespace=_NS,
    registry=REGISTRY,
)
REDIS_CIRCUIT_OPEN = Gauge(
    "redis_circuit_open",
    "1 while this replica skips Redis after repeated failures (server.core.redis_client)",
    namespace=_NS,
    registry=REGISTRY,
)
SYNC_DURATION = Histogram(
    "sync_duration_seconds",
    "Duration of sync runs finished by this replica, by trigger and final status",
    ["trigger", "status"],
    namespace=_NS,
    registry=REGISTRY,
    buckets=(1, 2.5, 5, 10, 20, 30, 45, 60, 120, 300, 600),
)
# Scrape-time gauges, read from PostgreSQL.
LAST_SYNC_DURATION = Gauge(
    "last_sync_duration_seconds",
    "Duration of the most recent finished sync run (any replica)",
    namespace=_NS,
    registry=REGISTRY,
)
LAST_SUCCESSFUL_SYNC = Gauge(
    "last_successful_sync_timestamp_seconds",
    "Unix time of the last run in which the source succeeded (0 = never)",
    ["source"],
    namespace=_NS,
    registry=REGISTRY,
)
CATALOG_MODELS = Gauge(
    "catalog_models",
    "Models in the catalog by status",
    ["status"],
    namespace=_NS,
    registry=REGISTRY,
)
CATALOG_OFFERINGS = Gauge(
    "catalog_offerings",
    "Offerings in the catalog by status",
    ["status"],
    namespace=_NS,
    registry=REGISTRY,
)
DB_POOL = Gauge(
    "db_pool_connections",
    "SQLAlchemy pool connections by engine (primary/read) and state",
    ["engine", "state"],
    namespace=_NS,
    registry=REGISTRY,
)
SCRAPE_ERRORS = Counter(
    "metrics_scrape_errors",
    "Scrapes whose database-derived gauges could not be refreshed",
    namespace=_NS,
    registry=REGISTRY,
)
# For the alert rules and dashboard in docs/prometheus/ and docs/grafana/ (issue 15).
SYNC_CONSECUTIVE_FAILURES = Gauge(
    "sync_consecutive_failures",
    "Finished sync runs in a row, newest first, that failed or were abandoned (any replica)",
    namespace=_NS,
    registry=REGISTRY,
)
LAST_SYNC_SOURCE_DURATION = Gauge(
    "last_sync_source_duration_seconds",
    "Fetch-and-normalize time of each source in the most recent finished sync run",
    ["source"],
    namespace=_NS,
    registry=REGISTRY,
)
SYNC_SCHEDULE_INTERVAL = Gauge(
    "sync_schedule_interval_seconds",
    "Longest gap between two scheduled syncs under SYNC_CRON (0 = no schedule)",
    namespace=_NS,
    registry=REGISTRY,
)
# Exported at 0 from the start: Prometheus cannot see the first increment of a series that
# appears with it, so rate() over a new series would miss the first Redis failure.
for _operation in ("get", "set", "over_budget"):
    CACHE_ERRORS.labels(operation=_operation)


def observe_sync(trigger: str, status: str, seconds: float) -> None:
    """For the sync service: record one finished run."""
    SYNC_DURATION.labels(trigger=trigger, status=status).observe(seconds)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request (called by the edge, which sees every final status).
    route is the route template, never the raw path: ids must not explode label
    cardinality."""
    key = (method if method in _METHODS else "OTHER", route, status)
    children = _REQUEST_CHILDREN.get(key)
    if children is None:
        children = _request_children(key)
    children[0].inc()
    children[1].observe(seconds)


# (method, route, status) -> the labelled counter and histogram: prometheus_client's
# labels() takes a lock and validates on every call, so the children are kept (a bounded
# set: methods, route templates and statuses are few).
_REQUEST_CHILDREN: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def _request_children(key: tuple[str, str, int]) -> tuple[Any, Any]:
    method, route, status = key
    children = (
        HTTP_REQUESTS.labels(method, route, str(status)),
        HTTP_LATENCY.labels(route, str(status)),
    )
    _REQUEST_CHILDREN[key] = children
    return children


# Clients choose the method string: anything unusual shares one label value.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


# ------------------------------------------------------------------ scrape-time gauges

_LAST_SUCCESS_SQL = text(
    """
    SELECT s.source, extract(epoch FROM max(r.finished_at)) AS at
    FROM sync_runs AS r, jsonb_each(r.source_stats) AS s(source, stats)
    WHERE r.finished_at IS NOT NULL AND s.stats->>'status' = ANY(:ok)
    GROUP BY s.source
    """
)
_LAST_DURATION_SQL = text(
    """
    SELECT extract(epoch FROM finished_at - started_at) FROM sync_runs
    WHERE finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT 1
    """
)


_CONSECUTIVE_FAILURES_SQL = text(
    """
    SELECT count(*) FROM sync_runs
    WHERE finished_at IS NOT NULL AND status IN ('failed', 'abandoned')
      AND finished_at > coalesce(
        (SELECT max(finished_at) FROM sync_runs
         WHERE finished_at IS NOT NULL AND status NOT IN ('failed', 'abandoned', 'running')),
        '-infinity')
    """
)
_LAST_SOURCE_DURATIONS_SQL = text(
    """
    SELECT s.source, (s.stats->>'duration_ms')::float / 1000
    FROM (SELECT source_stats FROM sync_runs WHERE finished_at IS NOT NULL
          ORDER BY finished_at DESC LIMIT 1) AS r,
         jsonb_each(r.source_stats) AS s(source, stats)
    WHERE jsonb_typeof(s.stats->'duration_ms') = 'number'
    """
)


async def _refresh_sync_gauges(conn: AsyncConnection) -> None:
    SYNC_CONSECUTIVE_FAILURES.set(float(await conn.scalar(_CONSECUTIVE_FAILURES_SQL) or 0))
    rows = (await conn.execute(_LAST_SOURCE_DURATIONS_SQL)).all()
    durations: dict[str, float] = {str(source): float(seconds) for source, seconds in rows}
    for source in SOURCES:
        LAST_SYNC_SOURCE_DURATION.labels(source=source).set(float(durations.get(source) or 0))


@functools.lru_cache(maxsize=8)
def schedule_interval_seconds(cron: str, fires: int = 48) -> float:
    """The longest gap between the next `fires` fire times of a 5-field cron (UTC); 0 when
    empty. "Stale" is a multiple of this, whatever the schedule."""
    if not cron.strip():
        return 0.0
    from apscheduler.triggers.cron import CronTrigger  # heavy import, only when needed

    trigger = CronTrigger.from_crontab(cron, timezone="UTC")
    previous = trigger.get_next_fire_time(None, datetime.now(UTC))
    longest = 0.0
    for _ in range(fires):
        if previous is None:
            break
        following = trigger.get_next_fire_time(previous, previous + timedelta(seconds=1))
        if following is None:
            break
        longest = max(longest, (following - previous).total_seconds())
        previous = following
    return longest


async def _refresh_catalog_gauges(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        model_counts = await conn.execute(
            select(models.c.status, func.count()).group_by(models.c.status)
        )
        _set_by_status(CATALOG_MODELS, model_counts.all())
        offering_counts = await conn.execute(
            select(offerings.c.status, func.count()).group_by(offerings.c.status)
        )
        _set_by_status(CATALOG_OFFERINGS, offering_counts.all())
        ok = {"ok": list(SUCCESS_STATUSES)}
        last: dict[str, Any] = {
            row[0]: row[1] for row in (await conn.execute(_LAST_SUCCESS_SQL, ok)).all()
        }
        for source in SOURCES:
            LAST_SUCCESSFUL_SYNC.labels(source=source).set(float(last.get(source) or 0))
        duration = await conn.scalar(_LAST_DURATION_SQL)
        LAST_SYNC_DURATION.set(float(duration or 0))
        await _refresh_sync_gauges(conn)


def _set_by_status(gauge: Gauge, rows: Any) -> None:
    seen = {str(status): int(count) for status, count in rows}
    for status in ENTITY_STATUSES:
        gauge.labels(status=status).set(seen.get(status, 0))


def _refresh_pool_gauges(name: str, engine: AsyncEngine) -> None:
    pool = engine.pool
    if not isinstance(pool, QueuePool):
        return
    DB_POOL.labels(engine=name, state="size").set(pool.size())
    DB_POOL.labels(engine=name, state="checked_out").set(pool.checkedout())
    DB_POOL.labels(engine=name, state="idle").set(pool.checkedin())
    DB_POOL.labels(engine=name, state="overflow").set(max(pool.overflow(), 0))


# /metrics is public and not rate limited (Prometheus must always get in): the database
# gauges are read at most once per GAUGE_TTL_S, and concurrent scrapes share that read, so
# hammering /metrics costs the database nothing more. Protect the route at the proxy.
GAUGE_TTL_S = 5.0


class CatalogGauges:
    def __init__(self) -> None:
        self._fresh_until = float("-inf")
        self._reading: asyncio.Future[None] | None = None

    async def refresh(self, engine: AsyncEngine) -> None:
        if time.monotonic() < self._fresh_until:
            return
        if self._reading is None:
            self._reading = asyncio.ensure_future(self._read(engine))
        await asyncio.shield(self._reading)

    async def _read(self, engine: AsyncEngine) -> None:
        try:
            await _refresh_catalog_gauges(engine)
        except Exception as exc:  # a scrape must still answer while PostgreSQL is down
            SCRAPE_ERRORS.inc()
            log.warning("metrics: catalog gauges not refreshed: %s: %s", type(exc).__name__, exc)
        finally:
            self._fresh_until = time.monotonic() + GAUGE_TTL_S  # failures are retried later too
            self._reading = None


CATALOG_GAUGES = web.AppKey("catalog_gauges", CatalogGauges)


async def metrics_handler(request: web.Request) -> web.Response:
    engine = request.app[ENGINE]
    read_engine = request.app[READ_ENGINE]
    SYNC_SCHEDULE_INTERVAL.set(schedule_interval_seconds(request.app[SETTINGS].sync_cron))
    _refresh_pool_gauges("primary", engine)
    if read_engine is not engine:
        _refresh_pool_gauges("read", read_engine)
    await request.app[CATALOG_GAUGES].refresh(read_engine)
    body = generate_latest(REGISTRY)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def setup_metrics_route(app: web.Application) -> None:
    app[CATALOG_GAUGES] = CatalogGauges()
    app.router.add_get("/metrics", metrics_handler)
