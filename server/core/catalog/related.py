"""Batch lookups keyed by model or provider id: one statement per call, for dataloaders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.catalog.rows import Row
from server.core.tables import changes, external_ids, offerings, providers, scores

OFFERING_COLUMNS = [c for c in offerings.c if c.name not in ("content_hash", "missing_syncs")]


async def _grouped(
    conn: AsyncConnection, query: Any, ids: Sequence[str], key: str
) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = {i: [] for i in ids}
    if not ids:
        return grouped
    for row in (await conn.execute(query)).mappings():
        grouped.setdefault(row[key], []).append(row)
    return grouped


async def offerings_by_model_ids(conn: AsyncConnection, ids: Sequence[str]) -> dict[str, list[Row]]:
    """Every offering (any status) per model id, ordered by provider."""
    query = (
        select(*OFFERING_COLUMNS)
        .where(offerings.c.model_id.in_(list(set(ids))))
        .order_by(offerings.c.model_id, offerings.c.provider_id, offerings.c.provider_model_id)
    )
    return await _grouped(conn, query, ids, "model_id")


async def scores_by_model_ids(conn: AsyncConnection, ids: Sequence[str]) -> dict[str, list[Row]]:
    query = (
        select(scores)
        .where(scores.c.model_id.in_(list(set(ids))))
        .order_by(scores.c.model_id, scores.c.metric, scores.c.source, scores.c.variant)
    )
    return await _grouped(conn, query, ids, "model_id")


async def external_ids_by_model_ids(
    conn: AsyncConnection, ids: Sequence[str]
) -> dict[str, list[Row]]:
    query = (
        select(external_ids)
        .where(external_ids.c.model_id.in_(list(set(ids))))
        .order_by(external_ids.c.model_id, external_ids.c.source, external_ids.c.external_id)
    )
    return await _grouped(conn, query, ids, "model_id")


async def changes_by_model_ids(
    conn: AsyncConnection, ids: Sequence[str], limit_per_model: int = 100
) -> dict[str, list[Row]]:
    """Newest first, at most limit_per_model events per model (a window keeps it bounded)."""
    rank = _newest_rank().label("_rank")
    inner = select(changes, rank).where(changes.c.model_id.in_(list(set(ids)))).subquery()
    query = (
        select(*[inner.c[c.name] for c in changes.c])
        .where(inner.c._rank <= limit_per_model)
        .order_by(inner.c.model_id, inner.c.at.desc(), inner.c.id.desc())
    )
    return await _grouped(conn, query, ids, "model_id")


def _newest_rank() -> Any:
    return func.row_number().over(
        partition_by=changes.c.model_id, order_by=(changes.c.at.desc(), changes.c.id.desc())
    )


async def providers_by_ids(conn: AsyncConnection, ids: Sequence[str]) -> dict[str, Row]:
    if not ids:
        return {}
    query = select(providers).where(providers.c.id.in_(list(set(ids))))
    return {row["id"]: row for row in (await conn.execute(query)).mappings()}
