"""The per-request snapshot (schema.db.RequestDb) on a real database.

A `models` first page runs as one autocommit statement that also reads the catalog
version; a later statement in the same request opens the REPEATABLE READ snapshot and must
refuse to mix catalogs when a sync committed in between.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from schema.db import RequestDb
from server.core.catalog import ModelFilter, ModelPage, ModelSort, list_models
from server.core.errors import ServiceUnavailable
from server.core.tables import catalog_state
from tests.support.seed import SeedInfo


async def bump_version(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(update(catalog_state).values(version=catalog_state.c.version + 1))


async def current_version(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(text("SELECT version FROM catalog_state")) or 0)


def first_page(
    flt: ModelFilter,
) -> Callable[[AsyncConnection], Awaitable[tuple[ModelPage, int | None]]]:
    async def fn(conn: AsyncConnection) -> tuple[ModelPage, int | None]:
        page = await list_models(conn, flt, ModelSort(), 5, 0, with_version=True)
        return page, page.version

    return fn


async def count_models(conn: AsyncConnection) -> int:
    return int(await conn.scalar(text("SELECT count(*) FROM models")) or 0)


async def test_first_page_then_more_statements_share_one_version(
    engine: AsyncEngine, seeded: SeedInfo
) -> None:
    db = RequestDb(engine)
    try:
        page = await db.run_reading_version(first_page(ModelFilter()))
        assert len(page.rows) == 5 and db.version == await current_version(engine)
        assert await db.run(count_models) == 10
        assert await db.catalog_version() == await current_version(engine)
    finally:
        await db.close()


async def test_a_sync_between_statements_is_refused_not_mixed(
    engine: AsyncEngine, seeded: SeedInfo
) -> None:
    db = RequestDb(engine)
    try:
        await db.run_reading_version(first_page(ModelFilter()))
        await bump_version(engine)  # a sync commits while the request is being resolved
        with pytest.raises(ServiceUnavailable, match="catalog changed"):
            await db.run(count_models)
    finally:
        await db.close()


async def test_an_empty_first_page_still_gets_its_version(
    engine: AsyncEngine, seeded: SeedInfo
) -> None:
    db = RequestDb(engine)
    try:
        page = await db.run_reading_version(first_page(ModelFilter(creator="nobody")))
        assert page.rows == [] and page.total == 0
        assert db.version == await current_version(engine)
    finally:
        await db.close()
