"""Migration 0003: `minted` and `models.alias_of` come and go without losing rows."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import asyncpg
import pytest
from alembic import command

from server.core.database import asyncpg_dsn
from server.core.migrate import alembic_config, upgrade_to_head
from tests.support import services


@pytest.fixture
def fresh_database(admin_database_url: str) -> Iterator[str]:
    name, url = services.create_database(admin_database_url)
    yield url
    services.drop_database(admin_database_url, name)


async def _run(url: str, *statements: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for sql in statements[:-1]:
            await conn.execute(sql)
        return list(await conn.fetch(statements[-1]))
    finally:
        await conn.close()


INSERT_MODEL = "INSERT INTO models (id, name, creator_id) VALUES ('acme/x-1', 'X 1', 'acme')"
INSERT_LINK = (
    "INSERT INTO external_ids (source, external_id, model_id, match_method, confidence) "
    "VALUES ('models.dev', 'acme/x-1', 'acme/x-1', 'minted', 1)"
)
METHODS = "SELECT match_method FROM external_ids"


def test_minted_rows_survive_a_downgrade_as_exact(fresh_database: str) -> None:
    upgrade_to_head(fresh_database)
    rows = asyncio.run(_run(fresh_database, INSERT_MODEL, INSERT_LINK, METHODS))
    assert [r["match_method"] for r in rows] == ["minted"]
    with pytest.raises(asyncpg.CheckViolationError):  # the constraint still guards the column
        asyncio.run(_run(fresh_database, "UPDATE external_ids SET match_method = 'guessed'"))
    command.downgrade(alembic_config(fresh_database), "0002")
    rows = asyncio.run(_run(fresh_database, METHODS))
    assert [r["match_method"] for r in rows] == ["exact"]
    upgrade_to_head(fresh_database)
    aliases = asyncio.run(_run(fresh_database, "SELECT alias_of FROM models"))
    assert [r["alias_of"] for r in aliases] == [None]
