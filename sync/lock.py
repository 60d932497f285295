"""Single flight across replicas: a session-level PostgreSQL advisory lock.

Held on the run's own connection for the whole run; if that process dies, PostgreSQL
drops the session and with it the lock, so a lock can never leak.
"""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information

from server.core.database import asyncpg_dsn

# An arbitrary constant shared by every replica: "effect-models sync" as a 63-bit number.
SYNC_LOCK_KEY = 0x0E11EC75_3C0DE5
CONNECT_TIMEOUT_S = 10.0


async def connect(database_url: str) -> asyncpg.Connection:
    conn: asyncpg.Connection = await asyncpg.connect(
        asyncpg_dsn(database_url),
        timeout=CONNECT_TIMEOUT_S,
        server_settings={"application_name": "effect-models-sync"},
    )
    return conn


async def try_lock(conn: asyncpg.Connection) -> bool:
    got: bool = await conn.fetchval("SELECT pg_try_advisory_lock($1)", SYNC_LOCK_KEY)
    return got


async def unlock(conn: asyncpg.Connection) -> None:
    await conn.fetchval("SELECT pg_advisory_unlock($1)", SYNC_LOCK_KEY)
