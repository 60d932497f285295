"""Model listing and lookups (SQLAlchemy Core; no HTTP or GraphQL here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Select,
    Text,
    and_,
    any_,
    exists,
    false,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.catalog.filters import CAPABILITY_COLUMNS, ModelFilter, ModelSort, SortField
from server.core.catalog.rows import ModelRow, columns
from server.core.catalog_version import read_in
from server.core.errors import InvalidInput
from server.core.tables import catalog_state, external_ids, models, offerings
from server.core.vocabulary import ENTITY_STATUSES, LISTING_KINDS, SOURCES

# Minimum trigram similarity for a fuzzy (non-substring) search hit.
SIMILARITY_FLOOR = 0.3

# Every column a ModelRow holds, in its field order (not search_text or content_hash).
MODEL_COLUMNS = columns(ModelRow._fields, models)

_SORT_COLUMNS: dict[SortField, Any] = {
    SortField.NAME: func.lower(models.c.name),
    SortField.RELEASE_DATE: models.c.release_date,
    SortField.CONTEXT_WINDOW: models.c.context_window,
    SortField.INPUT_PRICE: models.c.cheapest_input_price,
    SortField.OUTPUT_PRICE: models.c.cheapest_output_price,
    SortField.INTELLIGENCE_INDEX: models.c.intelligence_index,
    SortField.OUTPUT_SPEED: models.c.output_tokens_per_second,
    SortField.DOWNLOADS: models.c.downloads,
    SortField.LIKES: models.c.likes,
}
# With free tiers included, the price sorts and filters read the other denormalized pair.
_WITH_FREE_COLUMNS: dict[SortField, Any] = {
    SortField.INPUT_PRICE: models.c.cheapest_any_input_price,
    SortField.OUTPUT_PRICE: models.c.cheapest_any_output_price,
}


def _sort_column(field: SortField, include_free: bool) -> Any:
    if include_free and field in _WITH_FREE_COLUMNS:
        return _WITH_FREE_COLUMNS[field]
    return _SORT_COLUMNS[field]


@dataclass(frozen=True)
class ModelPage:
    rows: list[ModelRow]
    total: int
    version: int | None = None  # catalog version of the snapshot, when asked for


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _search_condition(term: str) -> ColumnElement[bool]:
    lowered = term.lower()
    return or_(
        models.c.search_text.like(f"%{_escape_like(lowered)}%", escape="\\"),
        func.similarity(models.c.search_text, lowered) >= SIMILARITY_FLOOR,
    )


def validate_filter(flt: ModelFilter) -> None:
    """Raise InvalidInput naming the bad value (the APIs answer VALIDATION_ERROR)."""
    unknown = sorted(set(flt.capabilities) - CAPABILITY_COLUMNS.keys())
    if unknown:
        raise InvalidInput(
            f"unknown capabilities {unknown}; expected some of {sorted(CAPABILITY_COLUMNS)}"
        )
    bad_status = sorted(set(flt.statuses) - set(ENTITY_STATUSES))
    if bad_status:
        raise InvalidInput(f"unknown statuses {bad_status}; expected some of {ENTITY_STATUSES}")
    if flt.source is not None and flt.source not in SOURCES:
        raise InvalidInput(f"unknown source {flt.source!r}; expected one of {SOURCES}")
    bad_kinds = sorted(set(flt.listing_kinds) - set(LISTING_KINDS))
    if bad_kinds:
        raise InvalidInput(f"unknown listing kinds {bad_kinds}; expected some of {LISTING_KINDS}")


def _status_in(statuses: Sequence[str]) -> ColumnElement[bool]:
    # `= ANY(one array parameter)`, not `IN (...)`: an IN list is an "expanding" parameter
    # that SQLAlchemy re-renders into the SQL text on every execution; PostgreSQL plans
    # both forms the same.
    return models.c.status == any_(literal(list(statuses), ARRAY(Text)))


def _conditions(flt: ModelFilter) -> list[ColumnElement[bool]]:
    c = models.c
    conds: list[ColumnElement[bool]] = [_status_in(flt.statuses) if flt.statuses else false()]
    if flt.search and flt.search.strip():
        conds.append(_search_condition(flt.search.strip()))
    if flt.creator:
        conds.append(c.creator_id == flt.creator.lower())
    if flt.provider:
        served = and_(
            offerings.c.model_id == c.id,
            offerings.c.provider_id == flt.provider.lower(),
            offerings.c.status == "active",
        )
        conds.append(exists().where(served))
    if flt.listing_kinds:
        listed = and_(
            offerings.c.model_id == c.id,
            offerings.c.listing_kind == any_(literal(list(flt.listing_kinds), ARRAY(Text))),
            offerings.c.status == "active",
        )
        conds.append(exists().where(listed))
    conds.extend(c[CAPABILITY_COLUMNS[name]].is_(True) for name in flt.capabilities)
    if flt.input_modalities:
        conds.append(c.input_modalities.contains(list(flt.input_modalities)))
    if flt.output_modalities:
        conds.append(c.output_modalities.contains(list(flt.output_modalities)))
    if flt.open_weights is not None:
        conds.append(c.open_weights.is_(flt.open_weights))
    conds.extend(_range_conditions(flt))
    if flt.source:
        conds.append(c.sources.contains([flt.source]))
    return conds


def _range_conditions(flt: ModelFilter) -> list[ColumnElement[bool]]:
    c = models.c
    pairs: list[tuple[Any, Any, bool]] = [
        (c.context_window, flt.min_context_window, True),
        (c.max_output_tokens, flt.min_max_output_tokens, True),
        (_sort_column(SortField.INPUT_PRICE, flt.include_free), flt.max_input_price, False),
        (_sort_column(SortField.OUTPUT_PRICE, flt.include_free), flt.max_output_price, False),
        (c.release_date, flt.released_after, True),
        (c.release_date, flt.released_before, False),
    ]
    return [col >= v if at_least else col <= v for col, v, at_least in pairs if v is not None]


def _order_by(flt: ModelFilter, sort: ModelSort) -> list[Any]:
    if sort.field is SortField.RELEVANCE:
        if flt.search and flt.search.strip():
            rank = func.similarity(models.c.search_text, flt.search.strip().lower())
            return [rank.desc(), func.lower(models.c.name), models.c.id]
        sort = ModelSort(SortField.NAME, sort.descending)
    column = _sort_column(sort.field, flt.include_free)
    ordered = column.desc() if sort.descending else column.asc()
    return [ordered.nulls_last(), models.c.id.desc() if sort.descending else models.c.id]


def list_query(flt: ModelFilter, sort: ModelSort) -> Select[Any]:
    return select(*MODEL_COLUMNS).where(*_conditions(flt)).order_by(*_order_by(flt, sort))


async def list_models(
    conn: AsyncConnection,
    flt: ModelFilter,
    sort: ModelSort,
    limit: int,
    offset: int,
    *,
    known_total: int | None = None,
    with_version: bool = False,
) -> ModelPage:
    """One page plus the total match count, in one statement.

    The total is an uncorrelated scalar subquery (PostgreSQL runs it once, as an
    aggregate), not `count(*) OVER ()`: a window count drags every matching row, all
    columns, through the sort (~4 ms on 1,500 models) where the page alone is an index
    scan on (lower(name), id). A caller that already knows the total for this filter and
    snapshot passes `known_total` and the count is skipped. `with_version` reads the
    catalog version in the same statement (same snapshot), saving a round trip.
    """
    validate_filter(flt)
    query = _page_query(
        flt, sort, limit, offset, with_total=known_total is None, with_version=with_version
    )
    result = await conn.execute(query)
    rows, extras = _rows_and_extras(list(result.keys()), result.all())
    version = None
    if with_version:
        version = int(extras["_version"]) if extras else await read_in(conn)
    if known_total is not None:
        return ModelPage(rows, known_total, version)
    if extras:
        return ModelPage(rows, int(extras["_total"]), version)
    # An empty page says nothing about the total (offset past the end, or limit 0).
    return ModelPage([], await count_models(conn, flt), version)


@lru_cache(maxsize=512)
def _page_query(
    flt: ModelFilter,
    sort: ModelSort,
    limit: int,
    offset: int,
    *,
    with_total: bool,
    with_version: bool,
) -> Select[Any]:
    """Built once per distinct page (filters and sorts are frozen, hashable values):
    constructing the Select costs more Python than executing its cached compilation."""
    query = list_query(flt, sort).limit(limit).offset(offset)
    if with_total:
        query = query.add_columns(_count_query(flt).scalar_subquery().label("_total"))
    if with_version:
        version = select(catalog_state.c.version).where(catalog_state.c.id == 1)
        query = query.add_columns(version.scalar_subquery().label("_version"))
    return query


_EXTRAS = ("_total", "_version")


def _rows_and_extras(
    keys: list[str], tuples: Sequence[Any]
) -> tuple[list[ModelRow], dict[str, Any]]:
    """The model rows, and the first row's extra columns (total, version), which
    _page_query appends after the model columns. Built from the plain result tuples (one
    C-level tuple build per row): going through RowMapping cost more than the page."""
    width = len(keys)
    while width and keys[width - 1] in _EXTRAS:
        width -= 1
    make = ModelRow._make
    rows = (
        [make(values[:width]) for values in tuples]
        if width < len(keys)
        else list(map(make, tuples))
    )
    extras = dict(zip(keys[width:], tuples[0][width:], strict=True)) if tuples else {}
    return rows, extras


def _count_query(flt: ModelFilter) -> Select[Any]:
    # correlate(None): as a scalar subquery it must count its own FROM models.
    return select(func.count()).select_from(models).where(*_conditions(flt)).correlate(None)


async def count_models(conn: AsyncConnection, flt: ModelFilter) -> int:
    validate_filter(flt)
    return int(await conn.scalar(_count_query(flt)) or 0)


async def models_by_ids(conn: AsyncConnection, ids: Sequence[str]) -> dict[str, ModelRow]:
    if not ids:
        return {}
    query = select(*MODEL_COLUMNS).where(models.c.id.in_(list(set(ids))))
    rows = map(ModelRow._make, await conn.execute(query))
    return {row.id: row for row in rows}


async def model_by_external_id(
    conn: AsyncConnection, source: str, external_id: str
) -> ModelRow | None:
    """The model an upstream catalog lists under this id (any case), if any."""
    query = (
        select(*MODEL_COLUMNS)
        .join(external_ids, external_ids.c.model_id == models.c.id)
        .where(
            external_ids.c.source == source,
            func.lower(external_ids.c.external_id) == external_id.strip().lower(),
        )
    )
    row = (await conn.execute(query)).first()
    return None if row is None else ModelRow._make(row)
