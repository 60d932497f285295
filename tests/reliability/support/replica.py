"""Real server processes (`python -m server serve`) started, probed and stopped by the tests."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import aiohttp

from tests.conftest import ADMIN_TOKEN
from tests.reliability.support.ports import free_port

REPO_ROOT = Path(__file__).resolve().parents[3]
START_TIMEOUT_S = 60.0


def base_env(database_url: str, **overrides: str) -> dict[str, str]:
    """The environment of one replica: no embedded database, no schedule unless asked."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
    env.update(
        DATABASE_URL=database_url,
        ADMIN_TOKEN=ADMIN_TOKEN,
        SYNC_CRON="",
        SYNC_ON_STARTUP="false",
        LOG_FORMAT="json",
        LOG_LEVEL="INFO",
        DB_RETRY_MS="200",
        DB_STARTUP_TIMEOUT_MS="30000",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


class ServerProcess:
    """One replica. Its output goes to a log file the test prints when it fails."""

    def __init__(self, env: Mapping[str, str], name: str = "replica") -> None:
        self.env = dict(env)
        self.name = name
        self.port = free_port()
        self.logfile = Path(tempfile.mkstemp(prefix=f"em-{name}-", suffix=".log")[1])
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> None:
        with self.logfile.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "server",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                env=self.env,
                cwd=REPO_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    async def wait_healthy(self, timeout_s: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
                try:
                    async with session.get(
                        f"{self.url}/health", timeout=aiohttp.ClientTimeout(total=2)
                    ) as resp:
                        if resp.status == 200:
                            return
                except (aiohttp.ClientError, TimeoutError):
                    pass
                await asyncio.sleep(0.1)
        raise TimeoutError(f"{self.name} not healthy after {timeout_s}s:\n{self.log_tail()}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no cleanup code runs, exactly like an OOM kill or a lost node."""
        if self.alive():
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self, timeout_s: float = 15.0) -> None:
        """SIGTERM (graceful), then SIGKILL when it does not exit in time."""
        if not self.alive():
            return
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()

    def memory(self) -> tuple[int, int]:
        """(current RSS, peak RSS) in bytes, from /proc (Linux)."""
        fields: dict[str, int] = {}
        status = Path(f"/proc/{self.pid}/status").read_text()
        for line in status.splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) * 1024
        return fields["VmRSS"], fields["VmHWM"]

    def log_text(self) -> str:
        return self.logfile.read_text(errors="replace")

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


async def start_replicas(envs: list[Mapping[str, str]]) -> list[ServerProcess]:
    replicas = [ServerProcess(env, name=f"replica{i}") for i, env in enumerate(envs)]
    for replica in replicas:
        replica.start()
    await asyncio.gather(*(r.wait_healthy() for r in replicas))
    return replicas


async def stop_all(replicas: list[ServerProcess]) -> None:
    await asyncio.gather(*(asyncio.to_thread(r.stop) for r in replicas))
