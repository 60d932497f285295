"""The `catalog` query: counts, per-source freshness, Artificial Analysis attribution."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from schema.context import Info
from server.core.catalog.freshness import (
    ATTRIBUTION_TEXT,
    ATTRIBUTION_URL,
    STALE_AFTER,
    SourceFreshness,
    catalog_summary,
)
from server.core.vocabulary import Source


@strawberry.type(description="How fresh one upstream source is.")
class SourceStatus:
    source: str = strawberry.field(description="Upstream catalog name.")
    last_success_at: datetime | None = strawberry.field(
        description="End of the last run in which this source succeeded (null: never)."
    )
    record_count: int = strawberry.field(description="Raw records kept from this source.")
    model_count: int = strawberry.field(description="Visible models this source contributes to.")
    stale_seconds: int | None = strawberry.field(
        description="Seconds since that success (null: never succeeded)."
    )
    is_stale: bool = strawberry.field(
        description="True when the last success is older than staleAfterSeconds, or never was."
    )


@strawberry.type(description="A credit a source's terms require.")
class Attribution:
    source: str = strawberry.field(description="The source whose terms require the credit.")
    text: str = strawberry.field(description="The credit to show next to its data.")
    url: str = strawberry.field(description="Where the credit links to.")


@strawberry.type(description="Catalog size and freshness.")
class Catalog:
    version: int = strawberry.field(description="Bumped by every sync that changed something.")
    model_count: int = strawberry.field(description="Visible models.")
    offering_count: int = strawberry.field(description="Offerings of visible models.")
    provider_count: int = strawberry.field(description="Providers.")
    stale_after_seconds: int = strawberry.field(
        description="A source is stale when its last success is older than this."
    )
    sources: list[SourceStatus] = strawberry.field(description="Freshness per upstream source.")
    attributions: list[Attribution] = strawberry.field(
        description="Credits the data's terms require (Artificial Analysis)."
    )


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
                Attribution(
                    source=Source.ARTIFICIAL_ANALYSIS.value,
                    text=ATTRIBUTION_TEXT,
                    url=ATTRIBUTION_URL,
                )
            ],
        )
