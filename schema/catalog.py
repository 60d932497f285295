"""The `catalog` query: counts, per-source freshness, Artificial Analysis attribution."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from schema.context import Info
from server.catalog.freshness import (
    ATTRIBUTION_TEXT,
    ATTRIBUTION_URL,
    STALE_AFTER,
    SourceFreshness,
    catalog_summary,
)


@strawberry.type
class SourceStatus:
    source: str
    last_success_at: datetime | None
    record_count: int = strawberry.field(description="Raw records kept from this source.")
    model_count: int = strawberry.field(description="Visible models this source contributes to.")
    stale_seconds: int | None
    is_stale: bool


@strawberry.type
class Attribution:
    source: str
    text: str
    url: str


@strawberry.type
class Catalog:
    version: int = strawberry.field(description="Bumped by every sync that changed something.")
    model_count: int
    offering_count: int
    provider_count: int
    stale_after_seconds: int
    sources: list[SourceStatus]
    attributions: list[Attribution]


def _source(s: SourceFreshness) -> SourceStatus:
    return SourceStatus(
        source=s.source,
        last_success_at=s.last_success_at,
        record_count=s.record_count,
        model_count=s.model_count,
        stale_seconds=s.stale_seconds,
        is_stale=s.is_stale,
    )


@strawberry.type
class CatalogQueries:
    @strawberry.field(description="Counts and how fresh each source is.")
    async def catalog(self, info: Info) -> Catalog:
        now = datetime.now(UTC)
        version = await info.context.db.catalog_version()
        summary = await info.context.db.run(lambda conn: catalog_summary(conn, now))
        return Catalog(
            version=version,
            model_count=summary.model_count,
            offering_count=summary.offering_count,
            provider_count=summary.provider_count,
            stale_after_seconds=int(STALE_AFTER.total_seconds()),
            sources=[_source(s) for s in summary.sources],
            attributions=[
                Attribution(source="artificialanalysis", text=ATTRIBUTION_TEXT, url=ATTRIBUTION_URL)
            ],
        )
