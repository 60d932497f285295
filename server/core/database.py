"""PostgreSQL engine: libpq URL translation, pooled async engine, start-up wait."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information
import sqlalchemy.exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from server.core.secrets import mask_url
from server.core.settings import Settings

log = logging.getLogger(__name__)

# libpq sslmode values asyncpg understands as its `ssl` argument.
_SSL_MODES = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}
# libpq-only query parameters that asyncpg's SQLAlchemy dialect would reject as kwargs.
_DROPPED_PARAMS = {"sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout"}
# asyncpg's statement cache size; 0 behind a transaction-mode pooler (docs/operations.md).
STATEMENT_CACHE_PARAM = "statement_cache_size"

CONNECT_TIMEOUT_S = 5.0
# Bounds one statement so a request never hangs on a stuck server (DESIGN §6: 503, not a hang).
COMMAND_TIMEOUT_S = 30.0


class DatabaseUnavailable(RuntimeError):
    """PostgreSQL could not be reached within the allowed time."""


# SQLSTATE of "database does not exist": waiting will not create it, so no retries.
_MISSING_DATABASE = "3D000"


def _missing_database(exc: BaseException) -> bool:
    """Whether exc (or what it wraps: SQLAlchemy's .orig, the cause chain) is 3D000."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if getattr(seen, "sqlstate", None) == _MISSING_DATABASE:
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


def _missing_database_message(url: str) -> str:
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "(none)"
    return (
        f"database {name!r} does not exist at {mask_url(url)}; create it "
        f"(e.g. createdb -h {parts.hostname or 'localhost'} {name}) or point DATABASE_URL "
        "at an existing database"
    )


@dataclass(frozen=True)
class AsyncpgUrl:
    """A libpq URL split into what SQLAlchemy's asyncpg dialect takes."""

    sqlalchemy_url: str
    connect_args: dict[str, Any]


def translate_url(url: str) -> AsyncpgUrl:
    """postgresql://u:p@h/db?sslmode=require -> postgresql+asyncpg://u:p@h/db + ssl='require'.

    SQLAlchemy hands URL query parameters to asyncpg.connect() as keyword arguments, and
    asyncpg has no `sslmode` keyword; its `ssl` argument takes the same mode names.
    """
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    connect_args: dict[str, Any] = {}
    kept: list[tuple[str, str]] = []
    for key, value in query:
        if key == "sslmode":
            if value not in _SSL_MODES:
                raise ValueError(f"sslmode={value!r} is not one of {sorted(_SSL_MODES)}")
            connect_args["ssl"] = value
        elif key == STATEMENT_CACHE_PARAM:
            connect_args.update(_statement_cache_args(value))
        elif key not in _DROPPED_PARAMS:
            kept.append((key, value))
    scheme = "postgresql+asyncpg"
    rebuilt = urlunsplit((scheme, parts.netloc, parts.path, urlencode(kept), parts.fragment))
    return AsyncpgUrl(sqlalchemy_url=rebuilt, connect_args=connect_args)


def _statement_cache_args(raw: str) -> dict[str, Any]:
    """`?statement_cache_size=0` for PgBouncer in transaction mode: a prepared statement
    lives in one server connection, and the next transaction may get another one. Turns off
    asyncpg's statement cache and SQLAlchemy's, and names each statement uniquely."""
    try:
        size = int(raw)
    except ValueError:
        raise ValueError(f"{STATEMENT_CACHE_PARAM}={raw!r} is not an integer") from None
    if size < 0:
        raise ValueError(f"{STATEMENT_CACHE_PARAM} must be >= 0, got {size}")
    if size > 0:
        return {"statement_cache_size": size}
    return {
        "statement_cache_size": 0,
        "prepared_statement_cache_size": 0,
        "prepared_statement_name_func": lambda: f"__asyncpg_{uuid.uuid4().hex}__",
    }


def asyncpg_dsn(url: str) -> str:
    """The URL in the plain libpq form raw asyncpg.connect() accepts (it parses sslmode itself).

    statement_cache_size is dropped: asyncpg would send it as a server setting. Raw asyncpg
    (the sync's lock and bulk paths) needs a session-mode connection anyway.
    """
    parts = urlsplit(url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k != STATEMENT_CACHE_PARAM
    ]
    return urlunsplit(("postgresql", parts.netloc, parts.path, urlencode(query), parts.fragment))


def create_engine(url: str, pool_size: int, application_name: str = "effect-models") -> AsyncEngine:
    translated = translate_url(url)
    connect_args = {
        "timeout": CONNECT_TIMEOUT_S,
        "command_timeout": COMMAND_TIMEOUT_S,
        "server_settings": {"application_name": application_name},
        **translated.connect_args,
    }
    return create_async_engine(
        translated.sqlalchemy_url,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=10,
        # A restarted server leaves dead sockets in the pool; ping them before use.
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args=connect_args,
    )


async def ping(engine: AsyncEngine, timeout_s: float = 2.0) -> None:
    """Raise if PostgreSQL does not answer SELECT 1 within timeout_s."""

    async def probe() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    await asyncio.wait_for(probe(), timeout_s)


async def wait_for_database(engine: AsyncEngine, settings: Settings) -> None:
    """Retry every DB_RETRY_MS until PostgreSQL answers or DB_STARTUP_TIMEOUT_MS passes."""
    deadline = time.monotonic() + settings.db_startup_timeout_ms / 1000
    attempt = 0
    where = mask_url(settings.database_url or "embedded")
    while True:
        attempt += 1
        try:
            await ping(engine, timeout_s=CONNECT_TIMEOUT_S)
        except Exception as exc:
            if settings.database_url and _missing_database(exc):
                raise DatabaseUnavailable(_missing_database_message(settings.database_url)) from exc
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DatabaseUnavailable(
                    f"PostgreSQL at {where} did not answer after {attempt} attempts: {exc}"
                ) from exc
            log.warning(
                "database not ready (attempt %d, %s: %s); retrying in %d ms",
                attempt,
                type(exc).__name__,
                exc,
                settings.db_retry_ms,
            )
            await asyncio.sleep(min(settings.db_retry_ms / 1000, remaining))
        else:
            if attempt > 1:
                log.info("database ready after %d attempts", attempt)
            return


# ------------------------------------------------------------------ unreachable database

# What both APIs tell a client when PostgreSQL cannot be reached (503 / SERVICE_UNAVAILABLE).
UNAVAILABLE_MESSAGE = "the database is unavailable; retry shortly"
_DB_UNREACHABLE: tuple[type[BaseException], ...] = (
    DatabaseUnavailable,
    OSError,
    TimeoutError,  # pool checkout timeout and asyncio.TimeoutError (same class on 3.11)
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.TimeoutError,
    sqlalchemy.exc.DisconnectionError,
)


def is_database_unreachable(exc: BaseException) -> bool:
    """True when exc (or what caused it) says PostgreSQL cannot be reached right now."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < 10:
        seen.add(id(current))
        if isinstance(current, sqlalchemy.exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, _DB_UNREACHABLE):
            return True
        orig = getattr(current, "orig", None)
        current = current.__cause__ or current.__context__ or orig
    return False
