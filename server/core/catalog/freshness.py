"""Catalog summary: counts, and per source the last successful sync and its staleness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.tables import models, offerings, providers, source_records
from server.core.vocabulary import SOURCES, SourceStatus

# A source counts as stale when its last success is older than three default sync periods.
STALE_AFTER = timedelta(hours=6)
# Per-source statuses that mean "this source's data was refreshed": the sync writes
# SourceStatus.SUCCEEDED; the other spellings are accepted as they always were.
SUCCESS_STATUSES = (SourceStatus.SUCCEEDED.value, "ok", "success", "unchanged")
ATTRIBUTION_TEXT = "Benchmark and performance data provided by Artificial Analysis."
ATTRIBUTION_URL = "https://artificialanalysis.ai/"


@dataclass(frozen=True)
class SourceFreshness:
    source: str
    last_success_at: datetime | None
    record_count: int
    model_count: int
    stale_seconds: int | None
    is_stale: bool


@dataclass(frozen=True)
class CatalogSummary:
    model_count: int
    offering_count: int
    provider_count: int
    sources: tuple[SourceFreshness, ...]


_LAST_SUCCESS = text(
    """
    SELECT s.key AS source, max(r.finished_at) AS last_success_at
    FROM sync_runs r, jsonb_each(r.source_stats) s
    WHERE r.finished_at IS NOT NULL AND s.value->>'status' = ANY(:ok)
    GROUP BY s.key
    """
)


async def _counts(conn: AsyncConnection) -> tuple[int, int, int]:
    query = select(
        select(func.count())
        .select_from(models)
        .where(models.c.status != "removed")
        .scalar_subquery(),
        select(func.count())
        .select_from(offerings)
        .where(offerings.c.status == "active")
        .scalar_subquery(),
        select(func.count())
        .select_from(providers)
        .where(providers.c.status != "removed")
        .scalar_subquery(),
    )
    row = (await conn.execute(query)).one()
    return int(row[0]), int(row[1]), int(row[2])


async def _per_source_counts(conn: AsyncConnection) -> tuple[dict[str, int], dict[str, int]]:
    records = (
        select(source_records.c.source, func.count())
        .where(source_records.c.removed_at.is_(None))
        .group_by(source_records.c.source)
    )
    source = func.unnest(models.c.sources).label("source")
    per_model = select(source, func.count()).where(models.c.status != "removed").group_by(source)
    record_counts = {s: int(n) for s, n in (await conn.execute(records)).all()}
    model_counts = {s: int(n) for s, n in (await conn.execute(per_model)).all()}
    return record_counts, model_counts


async def catalog_summary(conn: AsyncConnection, now: datetime) -> CatalogSummary:
    model_count, offering_count, provider_count = await _counts(conn)
    rows = await conn.execute(_LAST_SUCCESS, {"ok": list(SUCCESS_STATUSES)})
    last = {r.source: r.last_success_at for r in rows}
    record_counts, model_counts = await _per_source_counts(conn)
    sources = tuple(
        _freshness(s, last.get(s), record_counts.get(s, 0), model_counts.get(s, 0), now)
        for s in SOURCES
    )
    return CatalogSummary(model_count, offering_count, provider_count, sources)


def _freshness(
    source: str, last: datetime | None, records: int, models_: int, now: datetime
) -> SourceFreshness:
    if last is None:
        return SourceFreshness(source, None, records, models_, None, True)
    age = max(0, int((now - last).total_seconds()))
    return SourceFreshness(source, last, records, models_, age, age > STALE_AFTER.total_seconds())
