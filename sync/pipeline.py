"""One sync run: fetch (4 sources in parallel) -> normalize -> merge -> diff + write -> stats.

Runs on the caller's dedicated connection, which already holds the sync lock and owns the
`running` row. A source that fails or is skipped is replayed from its stored raw records,
so the merge sees the whole catalog and that source's rows stay exactly as they were.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information
import orjson

from server.core.settings import Settings
from server.core.vocabulary import RunStatus, SourceStatus
from sync import runs
from sync.fetch import Fetcher, FetchLimits, SourceFailure, SourceSkipped
from sync.merge import Catalog, merge
from sync.records import Normalized, RawRecord
from sync.sources import artificialanalysis, huggingface, models_dev, openrouter
from sync.write import WriteStats, write_catalog

log = logging.getLogger(__name__)

NORMALIZERS: dict[str, Callable[[list[RawRecord]], Normalized]] = {
    "models.dev": models_dev.normalize_records,
    "openrouter": openrouter.normalize_records,
    "huggingface": huggingface.normalize_records,
    "artificialanalysis": artificialanalysis.normalize_records,
}
RECORD_SPLITTERS: dict[str, Callable[[Any], list[RawRecord]]] = {
    "models.dev": models_dev.records,
    "openrouter": openrouter.records,
    "huggingface": huggingface.records,
    "artificialanalysis": artificialanalysis.records,
}
USER_AGENT = "effect-models-sync (+https://github.com/effect-models)"


@dataclass
class SourceOutcome:
    source: str
    status: SourceStatus
    normalized: Normalized | None = None
    error: str | None = None
    duration_ms: int = 0

    def stats(self) -> dict[str, Any]:
        n = self.normalized
        return {
            "status": self.status,
            "fetched": len(n.raw) + n.invalid if n else 0,
            "valid": len(n.items) + len(n.providers) if n else 0,
            "invalid": n.invalid if n else 0,
            "invalid_examples": n.invalid_examples if n else [],
            "duration_ms": self.duration_ms,
            "error": self.error,
        }


@dataclass
class RunResult:
    run_id: int | None
    status: str  # succeeded | partial | failed | already_running
    message: str
    source_stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    changes: int = 0
    catalog_version: int | None = None
    held_by: int | None = None


ProgressCallback = Callable[[str, dict[str, Any]], Awaitable[None]]


async def fetch_source(source: str, fetcher: Fetcher, settings: Settings) -> Any:
    if source == "models.dev":
        return await models_dev.fetch(fetcher, settings.models_dev_url)
    if source == "openrouter":
        return await openrouter.fetch(fetcher, settings.openrouter_url)
    if source == "huggingface":
        return await huggingface.fetch(
            fetcher, settings.huggingface_url, settings.huggingface_max_pages
        )
    key = settings.artificial_analysis_api_key
    return await artificialanalysis.fetch(
        fetcher, settings.artificial_analysis_url, key.reveal() if key else None
    )


async def _fetch_one(source: str, fetcher: Fetcher, settings: Settings) -> SourceOutcome:
    started = time.monotonic()
    try:
        async with asyncio.timeout(settings.sync_timeout_ms / 1000):
            document = await fetch_source(source, fetcher, settings)
        normalized = await asyncio.to_thread(
            lambda: NORMALIZERS[source](RECORD_SPLITTERS[source](document))
        )
        outcome = SourceOutcome(source, SourceStatus.SUCCEEDED, normalized)
    except SourceSkipped as exc:
        outcome = SourceOutcome(source, SourceStatus.SKIPPED, error=str(exc))
    except SourceFailure as exc:
        outcome = SourceOutcome(source, SourceStatus.FAILED, error=str(exc))
    except TimeoutError:
        outcome = SourceOutcome(
            source,
            SourceStatus.FAILED,
            error=f"timed out after SYNC_TIMEOUT_MS={settings.sync_timeout_ms}",
        )
    except Exception as exc:
        # A bug or a surprise in one adapter must not take the other three sources down.
        log.exception("sync source %s failed unexpectedly", source)
        outcome = SourceOutcome(
            source, SourceStatus.FAILED, error=f"unexpected {type(exc).__name__}: {exc}"
        )
    outcome.duration_ms = int((time.monotonic() - started) * 1000)
    return outcome


async def _replay(conn: asyncpg.Connection, source: str) -> Normalized:
    """The stored raw records of a source that did not deliver this time."""
    rows = await conn.fetch(
        "SELECT external_id, payload FROM source_records "
        "WHERE source = $1 AND removed_at IS NULL ORDER BY external_id",
        source,
    )
    raw = [RawRecord(source, r["external_id"], orjson.loads(r["payload"])) for r in rows]
    return await asyncio.to_thread(NORMALIZERS[source], raw)


async def run_pipeline(
    conn: asyncpg.Connection,
    settings: Settings,
    run_id: int,
    sources: Sequence[str],
    *,
    limits: FetchLimits | None = None,
    on_source: ProgressCallback | None = None,
) -> RunResult:
    outcomes = await _fetch_all(conn, settings, run_id, sources, limits, on_source)
    succeeded = {s: o for s, o in outcomes.items() if o.status == SourceStatus.SUCCEEDED}
    if not succeeded:
        stats = {s: o.stats() for s, o in outcomes.items()}
        any_failed = any(o.status == SourceStatus.FAILED for o in outcomes.values())
        status = RunStatus.FAILED if any_failed else RunStatus.SUCCEEDED
        return RunResult(run_id, status, _message(outcomes, None), stats)
    normalized = [o.normalized for o in succeeded.values() if o.normalized is not None]
    for source in NORMALIZERS:
        if source not in succeeded:
            normalized.append(await _replay(conn, source))
    catalog = await asyncio.to_thread(merge, normalized)
    records = {s: o.normalized.raw for s, o in succeeded.items() if o.normalized is not None}
    async with conn.transaction():
        written = await write_catalog(conn, run_id, catalog, records)
        version: int = await conn.fetchval("SELECT version FROM catalog_state WHERE id = 1")
    if written.rows_written:
        await refresh_planner_statistics(conn)
    stats = _final_stats(outcomes, catalog, written)
    for source, source_stats in stats.items():
        await runs.record_source(conn, run_id, source, source_stats)
    partial = any(o.status == SourceStatus.FAILED for o in outcomes.values())
    return RunResult(
        run_id,
        RunStatus.PARTIAL if partial else RunStatus.SUCCEEDED,
        _message(outcomes, written),
        stats,
        changes=len(written.changes),
        catalog_version=version,
    )


# The tables catalog reads plan against. Without fresh statistics after the first sync into
# an empty database the planner believes `models` has a handful of rows, sorts the whole
# table for every page instead of walking the (lower(name), id) index, and each catalog
# page took ~3x longer until autovacuum came round (bench/graphql_bench.py).
ANALYZED_TABLES = ("models", "offerings", "providers", "scores", "external_ids")


async def refresh_planner_statistics(conn: asyncpg.Connection) -> None:
    """ANALYZE the catalog tables after a write. A failure only costs plan quality, so it
    is logged, never raised (the data is already committed)."""
    try:
        await conn.execute(f"ANALYZE {', '.join(ANALYZED_TABLES)}")
    except (asyncpg.PostgresError, OSError) as exc:
        log.warning("ANALYZE after the sync failed: %s: %s", type(exc).__name__, exc)


async def _fetch_all(
    conn: asyncpg.Connection,
    settings: Settings,
    run_id: int,
    sources: Sequence[str],
    limits: FetchLimits | None,
    on_source: ProgressCallback | None,
) -> dict[str, SourceOutcome]:
    timeout = aiohttp.ClientTimeout(total=None)
    async with aiohttp.ClientSession(timeout=timeout, headers={"User-Agent": USER_AGENT}) as s:
        fetcher = Fetcher(s, settings.api_retry_ms, settings.rate_limit_ms, limits or FetchLimits())
        outcomes: dict[str, SourceOutcome] = {}

        # The connection serialises record_source calls; asyncpg would refuse overlap.
        lock = asyncio.Lock()

        async def guarded(source: str) -> None:
            outcome = await _fetch_one(source, fetcher, settings)
            outcomes[source] = outcome
            async with lock:
                await runs.record_source(conn, run_id, source, outcome.stats())
            if on_source is not None:
                await on_source(source, outcome.stats())

        await asyncio.gather(*(guarded(source) for source in sources))
    return outcomes


def _final_stats(
    outcomes: dict[str, SourceOutcome], catalog: Catalog, written: WriteStats
) -> dict[str, dict[str, Any]]:
    stats = {}
    for source, outcome in outcomes.items():
        entry = outcome.stats()
        if outcome.status == SourceStatus.SUCCEEDED:
            entry.update(
                upserted=written.upserted[source],
                unchanged=written.unchanged[source],
                removed=written.removed[source],
                unmatched=catalog.unmatched[source],
                linked=dict(catalog.methods[source]),
            )
        stats[source] = entry
    return stats


def _message(outcomes: dict[str, SourceOutcome], written: WriteStats | None) -> str:
    parts = []
    for source, outcome in outcomes.items():
        if outcome.status == SourceStatus.SUCCEEDED:
            parts.append(f"{source} ok")
        else:
            parts.append(f"{source} {outcome.status}: {outcome.error}")
    if written is not None:
        parts.append(f"{len(written.changes)} changes")
    return "; ".join(parts)
