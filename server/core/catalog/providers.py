"""Providers with model and offering counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, distinct, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.catalog.rows import PROVIDER_TABLE_FIELDS, ProviderRow, columns
from server.core.tables import models, offerings, providers
from server.core.vocabulary import VISIBLE_STATUSES


class ProviderSortField(StrEnum):
    NAME = "name"
    MODEL_COUNT = "model_count"
    OFFERING_COUNT = "offering_count"


@dataclass(frozen=True)
class ProviderFilter:
    kind: str | None = None  # server.core.vocabulary.ProviderKind
    search: str | None = None
    statuses: tuple[str, ...] = VISIBLE_STATUSES


@dataclass(frozen=True)
class ProviderPage:
    rows: list[ProviderRow]
    total: int


def _counts() -> Any:
    """Per provider: distinct visible models served and active offerings."""
    return (
        select(
            offerings.c.provider_id,
            func.count(distinct(offerings.c.model_id)).label("model_count"),
            func.count().label("offering_count"),
        )
        .join(models, models.c.id == offerings.c.model_id)
        .where(offerings.c.status == "active", models.c.status != "removed")
        .group_by(offerings.c.provider_id)
        .subquery()
    )


def _base() -> Any:
    counts = _counts()
    # The columns in ProviderRow's field order, the two counts last.
    query = select(
        *columns(PROVIDER_TABLE_FIELDS, providers),
        func.coalesce(counts.c.model_count, 0).label("model_count"),
        func.coalesce(counts.c.offering_count, 0).label("offering_count"),
    ).outerjoin(counts, counts.c.provider_id == providers.c.id)
    return query, counts


def _conditions(flt: ProviderFilter) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [providers.c.status.in_(flt.statuses)]
    if flt.kind:
        conds.append(providers.c.kind == flt.kind)
    if flt.search and flt.search.strip():
        term = f"%{flt.search.strip().lower()}%"
        conds.append(
            or_(func.lower(providers.c.id).like(term), func.lower(providers.c.name).like(term))
        )
    return conds


async def list_providers(
    conn: AsyncConnection,
    flt: ProviderFilter,
    sort: ProviderSortField,
    descending: bool,
    limit: int,
    offset: int,
) -> ProviderPage:
    query, counts = _base()
    column: Any = {
        ProviderSortField.NAME: func.lower(providers.c.name),
        ProviderSortField.MODEL_COUNT: func.coalesce(counts.c.model_count, 0),
        ProviderSortField.OFFERING_COUNT: func.coalesce(counts.c.offering_count, 0),
    }[sort]
    order = column.desc() if descending else column.asc()
    total_col = func.count().over().label("_total")
    page = query.add_columns(total_col).where(*_conditions(flt)).order_by(order, providers.c.id)
    result = (await conn.execute(page.limit(limit).offset(offset))).all()
    if result:
        # _total is the last column, after ProviderRow's.
        total = int(result[0][-1])
        return ProviderPage([ProviderRow._make(r[:-1]) for r in result], total)
    count = select(func.count()).select_from(providers).where(*_conditions(flt))
    return ProviderPage([], int(await conn.scalar(count) or 0))


async def providers_with_counts_by_ids(
    conn: AsyncConnection, ids: Sequence[str]
) -> dict[str, ProviderRow]:
    if not ids:
        return {}
    query, _ = _base()
    result = await conn.execute(query.where(providers.c.id.in_(list(set(ids)))))
    rows = map(ProviderRow._make, result)
    return {row.id: row for row in rows}
