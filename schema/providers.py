"""Provider type and queries."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from schema.context import Info
from schema.enums import ProviderKind, ProviderSortField
from schema.pagination import Connection, build_connection, fingerprint, page_window
from server.core.catalog.providers import ProviderFilter, list_providers
from server.core.catalog.rows import ProviderRow

if TYPE_CHECKING:
    from schema.models import Model, ModelFilterInput, ModelSortInput


@strawberry.type(description="Who makes or serves models: a lab, a host or a router.")
class Provider:
    id: strawberry.ID = strawberry.field(
        description="Provider id, lower case (openai, openrouter, deepinfra…)."
    )
    name: str = strawberry.field(description="Display name.")
    kind: ProviderKind | None = strawberry.field(
        description="lab (makes models), host (serves them) or router (resells other hosts)."
    )
    api_url: str | None = strawberry.field(description="Base URL of its API.")
    doc_url: str | None = strawberry.field(description="Its documentation.")
    env_vars: list[str] = strawberry.field(
        description="Environment variables its SDKs read for the API key."
    )
    npm_package: str | None = strawberry.field(
        description="Its AI SDK npm package, when models.dev names one."
    )
    status: str = strawberry.field(description="active or removed.")
    first_seen_at: datetime = strawberry.field(description="When a sync first saw it (UTC).")
    last_seen_at: datetime = strawberry.field(description="When a sync last saw it (UTC).")
    model_count: int = strawberry.field(description="Visible models with an active offering here.")
    offering_count: int = strawberry.field(description="Active offerings.")

    @strawberry.field(description="Models served by this provider (same filters as `models`).")
    async def models(
        self,
        info: Info,
        filter: Annotated[ModelFilterInput, strawberry.lazy("schema.models")] | None = None,
        sort: Annotated[ModelSortInput, strawberry.lazy("schema.models")] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Annotated[Model, strawberry.lazy("schema.models")]]:
        from schema.models import list_model_connection

        return await list_model_connection(info, filter, sort, first, after, provider=str(self.id))


def provider_from_row(row: ProviderRow) -> Provider:
    return Provider(
        id=strawberry.ID(row.id),
        name=row.name,
        kind=ProviderKind(row.kind) if row.kind else None,
        api_url=row.api_url,
        doc_url=row.doc_url,
        env_vars=list(row.env_vars or []),
        npm_package=row.npm_package,
        status=row.status,
        first_seen_at=row.first_seen_at,
        last_seen_at=row.last_seen_at,
        model_count=int(row.model_count),
        offering_count=int(row.offering_count),
    )


@strawberry.input
class ProviderFilterInput:
    kind: ProviderKind | None = strawberry.field(
        default=None, description="Only providers of this kind."
    )
    search: str | None = strawberry.field(default=None, description="Text in the id or name.")


@strawberry.type
class ProviderQueries:
    @strawberry.field(description="Providers with model and offering counts.")
    async def providers(
        self,
        info: Info,
        filter: ProviderFilterInput | None = None,
        sort: ProviderSortField = ProviderSortField.NAME,
        descending: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Provider]:
        flt = ProviderFilter(
            kind=filter.kind.value if filter and filter.kind else None,
            search=filter.search if filter else None,
        )
        version = await info.context.db.catalog_version()
        window = page_window(first, after, fingerprint("providers", flt, sort, descending, version))
        page = await info.context.db.run(
            lambda conn: list_providers(conn, flt, sort, descending, window.limit, window.offset)
        )
        return build_connection(page.rows, page.total, window, provider_from_row)

    @strawberry.field(description="One provider by id (case-insensitive); null when unknown.")
    async def provider(self, info: Info, id: strawberry.ID) -> Provider | None:
        row = await info.context.loaders.provider_by_id.load(str(id).lower())
        return provider_from_row(row) if row else None
