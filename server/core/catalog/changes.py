"""The change feed: newest first for queries, by ascending id for subscriptions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.catalog.rows import ChangeRow, columns
from server.core.errors import InvalidInput
from server.core.tables import changes
from server.core.vocabulary import CHANGE_KINDS

CHANGE_COLUMNS = columns(ChangeRow._fields, changes)


@dataclass(frozen=True)
class ChangeFilter:
    since: datetime | None = None
    until: datetime | None = None
    kinds: tuple[str, ...] = ()
    model_id: str | None = None
    provider_id: str | None = None


@dataclass(frozen=True)
class ChangePage:
    rows: list[ChangeRow]
    total: int


def validate_kinds(kinds: Sequence[str]) -> None:
    unknown = sorted(set(kinds) - set(CHANGE_KINDS))
    if unknown:
        raise InvalidInput(f"unknown change kinds {unknown}; expected some of {CHANGE_KINDS}")


def _conditions(flt: ChangeFilter) -> list[ColumnElement[bool]]:
    validate_kinds(flt.kinds)
    conds: list[ColumnElement[bool]] = []
    if flt.since is not None:
        conds.append(changes.c.at >= flt.since)
    if flt.until is not None:
        conds.append(changes.c.at < flt.until)
    if flt.kinds:
        conds.append(changes.c.kind.in_(flt.kinds))
    if flt.model_id:
        conds.append(changes.c.model_id == flt.model_id)
    if flt.provider_id:
        conds.append(changes.c.provider_id == flt.provider_id)
    return conds


async def list_changes(
    conn: AsyncConnection, flt: ChangeFilter, limit: int, offset: int
) -> ChangePage:
    conds = _conditions(flt)
    total_col = func.count().over().label("_total")
    query = (
        select(*CHANGE_COLUMNS, total_col)
        .where(*conds)
        .order_by(changes.c.at.desc(), changes.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    result = (await conn.execute(query)).all()
    if result:
        # _total is the last column, after ChangeRow's.
        return ChangePage([ChangeRow._make(r[:-1]) for r in result], int(result[0][-1]))
    total = await conn.scalar(select(func.count()).select_from(changes).where(*conds))
    return ChangePage([], int(total or 0))


async def changes_after_id(
    conn: AsyncConnection, after_id: int, flt: ChangeFilter, limit: int = 500
) -> list[ChangeRow]:
    """Events committed after `after_id`, oldest first (ids grow with commits per run)."""
    query = (
        select(*CHANGE_COLUMNS)
        .where(changes.c.id > after_id, *_conditions(flt))
        .order_by(changes.c.id)
        .limit(limit)
    )
    return [ChangeRow._make(r) for r in await conn.execute(query)]


async def last_change_id(conn: AsyncConnection) -> int:
    return int(await conn.scalar(select(func.coalesce(func.max(changes.c.id), 0))) or 0)
