"""Issue 13 attack figures: what one anonymous client does to a replica (BENCHMARKS.md).

Starts one replica (`python -m server serve`, from --repo, so an older checkout can be
measured the same way) against DATABASE_URL (its catalog is replaced by the test seed) and
a private redis-server, then runs each attack while a second client probes /health every
20 ms:

  fanout    one fragment fan-out document of 2^levels fields, over POST
  search    12 concurrent 250 kB GraphQL searches, with REST requests alongside
  documents 150 distinct ~0.9 MB GraphQL documents (RSS before / after, peak)
  urls      300 distinct `/v1/models?all=true&minContextWindow=N` (bytes stored in Redis)
  frozen    Redis frozen with SIGSTOP: 25 sequential REST requests (median latency)

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/DB .venv/bin/python -m bench.hostile_bench \
        [--repo PATH] [--levels 30]

Prints one JSON object per attack. The figures that depend on the machine's load are the
latencies; bytes and RSS are robust to it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import redis

from server.core.database import create_engine
from tests.reliability.support.attack import fan_out_document, health_during, post_graphql
from tests.reliability.support.ports import free_port
from tests.reliability.support.redis_server import PrivateRedis
from tests.reliability.support.replica import base_env
from tests.support.seed import seed_catalog
from tests.support.services import reset_catalog

MIB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[1]


def _summary(latencies: list[float]) -> dict[str, Any]:
    if not latencies:
        return {"probes": 0}
    ordered = sorted(latencies)
    return {
        "probes": len(ordered),
        "health_p50_ms": round(1000 * statistics.median(ordered), 1),
        "health_max_ms": round(1000 * ordered[-1], 1),
        "over_100ms": sum(1 for s in ordered if s > 0.1),
    }


def _rss(pid: int) -> tuple[int, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) * 1024
    return fields["VmRSS"], fields["VmHWM"]


class Replica:
    def __init__(self, repo: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="hostile-bench-", suffix=".log")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1",
             "--port", str(self.port)],
            cwd=repo, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    async def wait(self) -> None:
        async with aiohttp.ClientSession() as session:
            for _ in range(600):
                try:
                    async with session.get(f"{self.url}/health") as resp:
                        if resp.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError("replica did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


async def fanout(replica: Replica, levels: int) -> dict[str, Any]:
    outcome: dict[str, Any] = {}

    async def attack() -> None:
        started = time.perf_counter()
        async with aiohttp.ClientSession() as session:
            _, body = await post_graphql(session, replica.url, fan_out_document(levels, "B"))
        outcome["request_s"] = round(time.perf_counter() - started, 3)
        outcome["answer"] = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]

    latencies = await health_during(replica.url, attack())
    return {"attack": f"fanout 2^{levels}", **outcome, **_summary(latencies)}


async def search(replica: Replica) -> dict[str, Any]:
    query = "query($s: String) { models(filter: {search: $s}) { totalCount } }"
    rest: list[int] = []

    async def attack() -> None:
        async with aiohttp.ClientSession() as session:

            async def one_rest() -> None:
                async with session.get(f"{replica.url}/v1/models?limit=2") as resp:
                    rest.append(resp.status)

            long = "claude sonnet " * 18_000
            await asyncio.gather(
                *(post_graphql(session, replica.url, query, {"s": long}) for _ in range(12)),
                *(one_rest() for _ in range(6)),
            )

    started = time.perf_counter()
    latencies = await health_during(replica.url, attack())
    return {
        "attack": "12 x 250 kB search",
        "seconds": round(time.perf_counter() - started, 2),
        "rest_statuses": sorted(set(rest)),
        **_summary(latencies),
    }


async def documents(replica: Replica) -> dict[str, Any]:
    rss_before, _ = _rss(replica.process.pid)

    async def attack() -> None:
        async with aiohttp.ClientSession() as session:
            for n in range(150):
                document = f"# {n:05d} " + "x" * (900 * 1024) + "\n{ catalog { __typename } }"
                await post_graphql(session, replica.url, document)

    latencies = await health_during(replica.url, attack())
    rss_after, peak = _rss(replica.process.pid)
    return {
        "attack": "150 distinct 0.9 MB documents",
        "rss_before_mib": round(rss_before / MIB),
        "rss_after_mib": round(rss_after / MIB),
        "peak_rss_mib": round(peak / MIB),
        **_summary(latencies),
    }


async def urls(replica: Replica, private: PrivateRedis) -> dict[str, Any]:
    client = redis.Redis(port=private.port)
    before = int(client.info("memory")["used_memory"])

    async def attack() -> None:
        async with aiohttp.ClientSession() as session:
            for n in range(300):
                url = f"{replica.url}/v1/models?all=true&minContextWindow={n}"
                async with session.get(url) as resp:
                    await resp.read()

    latencies = await health_during(replica.url, attack())
    after = int(client.info("memory")["used_memory"])
    cached = sum(int(client.strlen(k)) for k in client.scan_iter(match="em:cache:*"))
    return {
        "attack": "300 distinct all=true URLs",
        "redis_used_memory_delta_kib": round((after - before) / 1024),
        "cached_body_kib": round(cached / 1024),
        **_summary(latencies),
    }


async def frozen(replica: Replica, private: PrivateRedis) -> dict[str, Any]:
    elapsed: list[float] = []
    async with aiohttp.ClientSession() as session:
        private.pause()
        try:
            for n in range(25):
                started = time.perf_counter()
                async with session.get(f"{replica.url}/v1/models?limit={n + 1}") as resp:
                    await resp.read()
                elapsed.append(time.perf_counter() - started)
        finally:
            private.resume()
    return {
        "attack": "Redis frozen (SIGSTOP), 25 requests",
        "first_ms": round(1000 * elapsed[0]),
        "median_ms": round(1000 * statistics.median(elapsed), 1),
        "total_s": round(sum(elapsed), 2),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=ROOT, help="checkout to serve")
    parser.add_argument("--levels", type=int, default=30, help="fan-out levels (2^N)")
    args = parser.parse_args()
    database_url = os.environ["DATABASE_URL"]
    await reset_catalog(database_url)
    engine = create_engine(database_url, pool_size=1)
    await seed_catalog(engine)
    await engine.dispose()
    private = PrivateRedis()
    private.start()
    env = base_env(database_url, REDIS_URL=private.url, RATE_LIMIT_PER_MINUTE="10000000")
    env["LOG_LEVEL"] = "WARNING"
    replica = Replica(args.repo, env)
    try:
        await replica.wait()
        for result in (
            await fanout(replica, args.levels),
            await search(replica),
            await documents(replica),
            await urls(replica, private),
            await frozen(replica, private),
        ):
            print(json.dumps(result), flush=True)
    finally:
        replica.stop()
        private.destroy()


if __name__ == "__main__":
    asyncio.run(main())
