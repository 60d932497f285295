"""`?statement_cache_size=0` in DATABASE_URL / DATABASE_READ_URL: what an operator sets
behind PgBouncer in transaction mode (docs/operations.md), proven on a real connection."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy import text

from server.core.database import asyncpg_dsn, create_engine, translate_url


def test_zero_turns_off_both_statement_caches_and_names_statements_uniquely() -> None:
    translated = translate_url("postgresql://u@h/db?statement_cache_size=0&sslmode=require")
    assert translated.sqlalchemy_url == "postgresql+asyncpg://u@h/db"
    args = translated.connect_args
    assert args["statement_cache_size"] == 0 and args["prepared_statement_cache_size"] == 0
    name = args["prepared_statement_name_func"]
    assert name() != name()
    assert args["ssl"] == "require"


@pytest.mark.parametrize("raw", ["-1", "off", ""])
def test_a_bad_value_is_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="statement_cache_size"):
        translate_url(f"postgresql://u@h/db?statement_cache_size={raw}")


async def test_engine_runs_without_statement_cache(database_url: str) -> None:
    engine = create_engine(f"{database_url}?statement_cache_size=0", pool_size=1)
    try:
        async with engine.connect() as conn:
            for _ in range(3):  # a cached statement would be reused on the second round
                assert await conn.scalar(text("SELECT count(*) FROM sync_runs")) == 0
            raw = await conn.get_raw_connection()
            driver = raw.driver_connection
            assert isinstance(driver, asyncpg.Connection)
            assert driver._stmt_cache.get_max_size() == 0
    finally:
        await engine.dispose()


async def test_raw_asyncpg_dsn_drops_the_parameter(database_url: str) -> None:
    dsn = asyncpg_dsn(f"{database_url}?statement_cache_size=0")
    assert "statement_cache_size" not in dsn
    conn = await asyncpg.connect(dsn)
    try:
        assert await conn.fetchval("SELECT 1") == 1
    finally:
        await conn.close()
