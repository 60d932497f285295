"""A/B of two code trees' app servers on `/v1/models?limit=20`, measured in server CPU time
per request (robust to other load on the machine, unlike requests per second).

    .venv/bin/python bench/rest_ab.py OTHER_TREE [--duration 6] [--rounds 8] [--path P]

OTHER_TREE is an exported copy of another commit (`git archive <commit> | tar -x -C DIR`);
it runs with this virtualenv. Both servers are built as `serve` builds them (bench/rest_bench
.py's `app` mode of each tree), pinned to the same CPU, wrk pinned to another, and driven in
alternation; each round reads the server's user+system CPU ticks around one wrk run.
Prints per-round and median CPU µs per request for "this" and "other", and their ratio.
`--path` measures another GET instead, e.g. `--path graphql` for bench/graphql_bench.py's
query as a GET /graphql (a response-cache hit after the first request).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import graphql_bench, rest_bench  # noqa: E402  (after the path is set)

TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_S  # utime + stime


def start(
    tree: Path, database_url: str, port: int, body: Path, cpu: int | None, extra: list[str]
) -> Any:
    env = {
        **rest_bench.app_env(database_url, port, "INFO"),
        "PYTHONPATH": str(tree),
        **dict(item.split("=", 1) for item in extra),
    }
    command = [sys.executable, str(tree / "bench" / "rest_bench.py"), "app", str(port), str(body)]
    return subprocess.Popen(
        rest_bench.pinned(cpu, command),
        env=env,
        cwd=tree,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # the request log: measured, not kept
    )


def one_round(port: int, pid: int, args: argparse.Namespace) -> float:
    url = f"http://127.0.0.1:{port}{args.path}"
    command = rest_bench.pinned(args.wrk_cpu, ["wrk", "-t1", "-c16", f"-d{args.duration}s", url])
    before = cpu_seconds(pid)
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    spent = cpu_seconds(pid) - before
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return spent / requests * 1e6


def compare(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    body = Path(tempfile.mkdtemp(prefix="rest-ab-")) / "body.json"
    trees = {"this": ROOT, "other": args.other.resolve()}
    ports = {name: rest_bench.free_port() for name in trees}
    servers = {
        name: start(
            tree, database_url, ports[name], body, args.server_cpu, getattr(args, f"{name}_env")
        )
        for name, tree in trees.items()
    }
    try:
        for name, server in servers.items():
            rest_bench.wait_http(f"http://127.0.0.1:{ports[name]}/health", server)
        per_round: dict[str, list[float]] = {name: [] for name in trees}
        for _ in range(args.rounds):
            for name, server in servers.items():
                per_round[name].append(round(one_round(ports[name], server.pid, args), 1))
    finally:
        for server in servers.values():
            rest_bench.stop(server)
    medians = {name: statistics.median(values) for name, values in per_round.items()}
    return {
        "cpu_us_per_request": per_round,
        "median_cpu_us_per_request": medians,
        "this_over_other": round(medians["this"] / medians["other"], 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("other", type=Path, help="an exported tree of another commit")
    parser.add_argument("--duration", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--path", default=rest_bench.LIST_PATH, help="the GET to measure")
    for name in ("this", "other"):
        parser.add_argument(
            f"--{name}-env",
            dest=f"{name}_env",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help=f"an environment setting for the {name} server (e.g. LOG_LEVEL=WARNING)",
        )
    args = parser.parse_args()
    if args.path == "graphql":
        args.path = "/graphql?" + urllib.parse.urlencode({"query": graphql_bench.QUERY})
    args.no_pin = False
    args.server_cpu, args.wrk_cpu = rest_bench.pin_cpus(args)
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2
    from tests.support import services

    result = asyncio.run(
        rest_bench.with_synced_database(services.admin_database_url(), args, run=compare)
    )
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
