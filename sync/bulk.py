"""Bulk upsert on raw asyncpg: COPY into a temporary table, then one INSERT … ON CONFLICT."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from itertools import count
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information
import orjson

_stage_ids = count(1)


def content_hash(row: dict[str, Any]) -> str:
    """A stable hash of a row's values (Decimal/date as strings, keys sorted)."""
    data = orjson.dumps(row, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def to_json(value: Any) -> str | None:
    """Python value -> JSON text for a jsonb column (None stays SQL NULL)."""
    if value is None:
        return None
    return orjson.dumps(value, default=str).decode()


async def copy_upsert(
    conn: asyncpg.Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    conflict: Sequence[str],
    touch: Sequence[str] = (),
) -> int:
    """Upsert rows (tuples in `columns` order); `touch` columns are set to now() on update.

    Must run inside the caller's transaction: the staging table is dropped on commit.
    """
    if not rows:
        return 0
    stage = f"_stage_{table}_{next(_stage_ids)}"
    col_list = ", ".join(columns)
    await conn.execute(
        f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS "  # noqa: S608 - names are ours
        f"SELECT {col_list} FROM {table} WITH NO DATA"
    )
    await conn.copy_records_to_table(stage, records=rows, columns=list(columns))
    updates = [f"{c} = EXCLUDED.{c}" for c in columns if c not in conflict]
    updates += [f"{c} = now()" for c in touch]
    action = f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING"
    await conn.execute(
        f"INSERT INTO {table} ({col_list}) SELECT {col_list} FROM {stage} "  # noqa: S608 - names are ours
        f"ON CONFLICT ({', '.join(conflict)}) {action}"
    )
    return len(rows)
