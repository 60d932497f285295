"""Count SQL statements an engine runs for requests (SQLAlchemy's before_cursor_execute
event), leaving out the app's background catalog-version reads (every 0.5 s, on their own
connection named by a logging token), which may land in the middle of a request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.catalog_version import CONNECTION_NAME


@contextmanager
def count_statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if conn.get_execution_options().get("logging_token") != CONNECTION_NAME:
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
