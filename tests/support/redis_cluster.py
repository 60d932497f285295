"""A private Redis Cluster on free loopback ports (never the shared Redis), for tests."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import redis

from tests.reliability.support.ports import free_port

NODE_TIMEOUT_MS = 1_000


class PrivateRedisCluster:
    """`nodes` primaries, no replicas, every slot covered once `start()` returns."""

    def __init__(self, nodes: int = 3) -> None:
        server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
        if server is None or cli is None:
            raise RuntimeError("redis-server and redis-cli are needed for a private cluster")
        self.server, self.cli = server, cli
        self.ports = [free_port() for _ in range(nodes)]
        self.dir = Path(tempfile.mkdtemp(prefix="em-test-cluster-"))
        self.processes: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        """Any node will do: the cluster client discovers the others."""
        return f"redis://127.0.0.1:{self.ports[0]}/0"

    def start(self) -> None:
        for port in self.ports:
            self.processes.append(self._start_node(port))
        for port in self.ports:
            _wait(partial(_ping, port), f"node {port} did not start")
        nodes = [f"127.0.0.1:{port}" for port in self.ports]
        subprocess.run(
            [self.cli, "--cluster", "create", *nodes, "--cluster-replicas", "0", "--cluster-yes"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        for port in self.ports:
            _wait(partial(_cluster_ok, port), f"node {port} never saw the cluster ok")

    def kill_node(self, index: int) -> None:
        self.processes[index].kill()
        self.processes[index].wait(10)

    def destroy(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)

    def _start_node(self, port: int) -> subprocess.Popen[bytes]:
        node_dir = self.dir / str(port)
        node_dir.mkdir()
        # cluster-port: the bus port would otherwise be port + 10000, maybe above 65535.
        args = ["--port", str(port), "--cluster-port", str(free_port()), "--bind", "127.0.0.1"]
        args += ["--cluster-enabled", "yes", "--cluster-node-timeout", str(NODE_TIMEOUT_MS)]
        args += ["--save", "", "--appendonly", "no", "--dir", str(node_dir)]
        return subprocess.Popen(
            [self.server, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )


def _node(port: int) -> redis.Redis:
    return redis.Redis(port=port, socket_timeout=0.5)


def _ping(port: int) -> bool:
    return bool(_node(port).ping())


def _cluster_ok(port: int) -> bool:
    info = _node(port).cluster("info")  # parsed into a dict by redis-py
    return bool(info.get("cluster_state") == "ok")


def _wait(probe: Callable[[], object], message: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if probe():
                return
        except redis.RedisError:
            pass
        time.sleep(0.05)
    raise RuntimeError(message)
