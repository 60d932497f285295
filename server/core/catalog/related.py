"""Batch lookups keyed by model id: one statement per call, for dataloaders."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.catalog.rows import (
    ChangeRow,
    ExternalIdRow,
    OfferingRow,
    ScoreRow,
    columns,
)
from server.core.tables import changes, external_ids, offerings, scores

# Every column an OfferingRow holds, in its field order (not content_hash, missing_syncs).
OFFERING_COLUMNS = columns(OfferingRow._fields, offerings)

R = TypeVar("R", ChangeRow, ExternalIdRow, OfferingRow, ScoreRow)


async def _by_model_id(
    conn: AsyncConnection, query: Any, ids: Sequence[str], make: Callable[[Any], R]
) -> dict[str, list[R]]:
    grouped: dict[str, list[R]] = {i: [] for i in ids}
    if not ids:
        return grouped
    for values in await conn.execute(query):
        row = make(values)
        if row.model_id is not None:  # the query asked for these model ids
            grouped.setdefault(row.model_id, []).append(row)
    return grouped


async def offerings_by_model_ids(
    conn: AsyncConnection, ids: Sequence[str]
) -> dict[str, list[OfferingRow]]:
    """Every offering (any status) per model id, ordered by provider."""
    query = (
        select(*OFFERING_COLUMNS)
        .where(offerings.c.model_id.in_(list(set(ids))))
        .order_by(offerings.c.model_id, offerings.c.provider_id, offerings.c.provider_model_id)
    )
    return await _by_model_id(conn, query, ids, OfferingRow._make)


async def scores_by_model_ids(
    conn: AsyncConnection, ids: Sequence[str]
) -> dict[str, list[ScoreRow]]:
    query = (
        select(*columns(ScoreRow._fields, scores))
        .where(scores.c.model_id.in_(list(set(ids))))
        .order_by(scores.c.model_id, scores.c.metric, scores.c.source, scores.c.variant)
    )
    return await _by_model_id(conn, query, ids, ScoreRow._make)


async def external_ids_by_model_ids(
    conn: AsyncConnection, ids: Sequence[str]
) -> dict[str, list[ExternalIdRow]]:
    query = (
        select(*columns(ExternalIdRow._fields, external_ids))
        .where(external_ids.c.model_id.in_(list(set(ids))))
        .order_by(external_ids.c.model_id, external_ids.c.source, external_ids.c.external_id)
    )
    return await _by_model_id(conn, query, ids, ExternalIdRow._make)


async def changes_by_model_ids(
    conn: AsyncConnection, ids: Sequence[str], limit_per_model: int = 100
) -> dict[str, list[ChangeRow]]:
    """Newest first, at most limit_per_model events per model (a window keeps it bounded)."""
    rank = _newest_rank().label("_rank")
    inner = select(changes, rank).where(changes.c.model_id.in_(list(set(ids)))).subquery()
    query = (
        select(*[inner.c[name] for name in ChangeRow._fields])
        .where(inner.c._rank <= limit_per_model)
        .order_by(inner.c.model_id, inner.c.at.desc(), inner.c.id.desc())
    )
    return await _by_model_id(conn, query, ids, ChangeRow._make)


def _newest_rank() -> Any:
    return func.row_number().over(
        partition_by=changes.c.model_id, order_by=(changes.c.at.desc(), changes.c.id.desc())
    )
