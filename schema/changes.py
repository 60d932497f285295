"""Change feed: the `changes` query and the `catalogChanges` subscription."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from schema.context import Info
from schema.enums import ChangeKind
from schema.pagination import Connection, build_connection, fingerprint, page_window
from server.core.catalog.changes import ChangeFilter, changes_after_id, last_change_id, list_changes
from server.core.catalog.rows import ChangeRow

# How often a subscription looks for newly committed changes (works across replicas).
POLL_INTERVAL_S = 1.0


@strawberry.type(description="One append-only change event recorded by a sync.")
class Change:
    id: strawberry.ID = strawberry.field(description="Event id (increasing).")
    at: datetime = strawberry.field(description="When the sync recorded it (UTC).")
    sync_run_id: int | None = strawberry.field(description="The run that recorded it.")
    entity: str = strawberry.field(description="What changed: model, offering, provider or score.")
    entity_id: str = strawberry.field(description="Id of that entity.")
    model_id: str | None = strawberry.field(description="The model concerned, when there is one.")
    provider_id: str | None = strawberry.field(
        description="The provider concerned, when there is one."
    )
    kind: ChangeKind = strawberry.field(description="What happened.")
    field: str | None = strawberry.field(
        description="The field that changed (price and limit changes)."
    )
    old_value: JSON | None = strawberry.field(
        description="Value before the change (null when added)."
    )
    new_value: JSON | None = strawberry.field(
        description="Value after the change (null when removed)."
    )


def change_from_row(row: ChangeRow) -> Change:
    return Change(
        id=strawberry.ID(str(row.id)),
        at=row.at,
        sync_run_id=row.sync_run_id,
        entity=row.entity,
        entity_id=row.entity_id,
        model_id=row.model_id,
        provider_id=row.provider_id,
        kind=ChangeKind(row.kind),
        field=row.field,
        old_value=row.old_value,
        new_value=row.new_value,
    )


def _filter(
    kinds: list[ChangeKind] | None,
    model_id: str | None,
    provider_id: str | None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> ChangeFilter:
    return ChangeFilter(
        since=since,
        until=until,
        kinds=tuple(k.value for k in kinds or ()),
        model_id=model_id.lower() if model_id else None,
        provider_id=provider_id.lower() if provider_id else None,
    )


@strawberry.type
class ChangeQueries:
    @strawberry.field(description="The change feed, newest first.")
    async def changes(
        self,
        info: Info,
        since: datetime | None = None,
        until: datetime | None = None,
        kinds: list[ChangeKind] | None = None,
        model_id: str | None = None,
        provider_id: str | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[Change]:
        flt = _filter(kinds, model_id, provider_id, since, until)
        version = await info.context.db.catalog_version()
        window = page_window(first, after, fingerprint("changes", flt, version))
        page = await info.context.db.run(
            lambda conn: list_changes(conn, flt, window.limit, window.offset)
        )
        return build_connection(page.rows, page.total, window, change_from_row)


@strawberry.type
class ChangeSubscriptions:
    @strawberry.subscription(description="Change events as syncs commit them (polls by id).")
    async def catalog_changes(
        self,
        info: Info,
        kinds: list[ChangeKind] | None = None,
        model_id: str | None = None,
        provider_id: str | None = None,
    ) -> AsyncGenerator[Change, None]:
        flt = _filter(kinds, model_id, provider_id)
        engine = info.context.engine
        async with engine.connect() as conn:
            cursor = await last_change_id(conn)
        while True:
            async with engine.connect() as conn:
                rows = await changes_after_id(conn, cursor, ChangeFilter())
            for row in rows:
                cursor = max(cursor, row.id)
                if _matches(row, flt):
                    yield change_from_row(row)
            if not rows:
                await asyncio.sleep(POLL_INTERVAL_S)


def _matches(row: ChangeRow, flt: ChangeFilter) -> bool:
    return (
        (not flt.kinds or row.kind in flt.kinds)
        and (flt.model_id is None or row.model_id == flt.model_id)
        and (flt.provider_id is None or row.provider_id == flt.provider_id)
    )
