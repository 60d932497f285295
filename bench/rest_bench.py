"""REST load benchmark: /v1/models?limit=20 on the real server vs a trivial aiohttp handler
returning the same bytes, measured with wrk in the same run, loopback only, bounded.

    .venv/bin/python bench/rest_bench.py [--duration 10] [--rounds 3] [--threads 1]
        [--connections 16] [--redis redis://127.0.0.1:6379/12] [--log-level INFO]

Needs PostgreSQL (TEST_DATABASE_URL or 127.0.0.1:5432; a fresh database is created and
dropped) and `wrk` (Debian package). The catalog is a real sync of ../shared/upstream (or
$SHARED_UPSTREAM_DIR) when present (file:// URLs), else the small test seed. Each server
is its own process (one event loop), both pinned to the same CPU and wrk to another
(`--no-pin` turns it off), so the comparison is like for like. `ratio` is the median of
per-round ratios; `ratio_saturated_rounds` the same over the rounds in which neither
server's CPU idled (an idle server CPU means the load generator set the rate).
Results: BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SHARED_UPSTREAM_DIR") or ROOT / ".." / "shared" / "upstream")
LIST_PATH = "/v1/models?limit=20"
FULL_PATH = "/v1/models?all=true"


# ------------------------------------------------------------------ trivial server (child)


def serve_trivial(port: int, body_file: str) -> None:
    from aiohttp import web

    body = Path(body_file).read_bytes()

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_get("/v1/models", handler)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def serve_app(port: int, body_file: str) -> None:
    """The real app exactly as `serve` builds it, plus /bench/same-bytes: a trivial handler
    behind the same edge, to tell the stack's cost from the REST handler's."""
    from aiohttp import web

    from server.core.logs import configure_logging
    from server.core.settings import load_settings
    from server.http.access_log import access_log_options
    from server.http.app import create_app

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    body: list[bytes] = []

    async def same_bytes(request: web.Request) -> web.Response:
        if not body:  # written by the bench once the real response is known
            body.append(Path(body_file).read_bytes())
        return web.Response(body=body[0], content_type="application/json")

    app = create_app(settings)
    app.router.add_get("/bench/same-bytes", same_bytes)
    web.run_app(app, host="127.0.0.1", port=port, print=None, **access_log_options(settings))


# ------------------------------------------------------------------ catalog


async def populate(url: str) -> str:
    """Fill the database: a real sync of the shared payloads, else the test seed."""
    from server.core.database import create_engine

    engine = create_engine(url, pool_size=2)
    try:
        if (SHARED / "models.dev" / "api.json").exists():
            return await _sync_shared(engine, url)
        from tests.support.seed import seed_catalog

        await seed_catalog(engine)
        return "test seed (10 models): ../shared/upstream not found"
    finally:
        await engine.dispose()


async def _sync_shared(engine: Any, url: str) -> str:
    from server.core.secrets import Secret
    from server.core.settings import Settings
    from sync.service import SyncService

    def uri(*parts: str) -> str:
        return SHARED.joinpath(*parts).resolve().as_uri()

    settings = Settings(
        database_url=url,
        models_dev_url=uri("models.dev", "api.json"),
        openrouter_url=uri("openrouter", "models.json"),
        huggingface_url=uri("huggingface", "SAMPLE-not-real.json"),
        artificial_analysis_url=uri("artificialanalysis", "models.json"),
        artificial_analysis_api_key=Secret("bench-key"),
        rate_limit_ms=0,
    )
    result = await SyncService(engine, settings).run("cli")
    return f"real sync of ../shared/upstream: {result.status}, {result.message}"


# ------------------------------------------------------------------ processes and wrk


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(
    url: str, process: subprocess.Popen[bytes] | None = None, timeout_s: float = 60
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and (process is None or process.poll() is None):
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - loopback only
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout_s} s (see the app log)")


def fetch(url: str) -> tuple[bytes, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - loopback only
        return resp.read(), dict(resp.headers)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip())
    if not match:
        raise ValueError(f"cannot parse wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def pinned(cpu: int | None, command: list[str]) -> list[str]:
    """command run on one CPU (taskset), or as it is when pinning is off."""
    return command if cpu is None else ["taskset", "-c", str(cpu), *command]


def pin_cpus(args: argparse.Namespace) -> tuple[int | None, int | None]:
    """(server CPU, wrk CPU): each server process on the last CPU and wrk on the first, so
    the servers never share a core with the load generator and every server gets the same
    core (like for like). Off with --no-pin or on a single CPU."""
    cpus = sorted(os.sched_getaffinity(0))
    if args.no_pin or len(cpus) < 2 or shutil.which("taskset") is None:
        return None, None
    return cpus[-1], cpus[0]


# A server CPU idle for more than this share of a run was not the bottleneck.
IDLE_LIMIT = 0.05


def cpu_times(cpu: int) -> tuple[int, int]:
    """(idle, all) clock ticks of one CPU so far (/proc/stat)."""
    for line in Path("/proc/stat").read_text().splitlines():
        name, *ticks = line.split()
        if name == f"cpu{cpu}":
            values = [int(tick) for tick in ticks]
            return values[3] + values[4], sum(values)  # idle + iowait; all incl. steal
    return 0, 0


def run_wrk(
    url: str,
    duration_s: int,
    threads: int,
    connections: int,
    cpu: int | None = None,
    server_cpu: int | None = None,
) -> dict[str, float]:
    """One wrk run; with the server pinned, also how much of the run its CPU sat idle:
    a loaded server never idles, so a server CPU idle for more than IDLE_LIMIT of the run
    means the load generator, not the server, set the rate (the VM's host had taken the
    wrk CPU's time), and the run says nothing about the server."""
    command = pinned(cpu, [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration_s}s", "--latency", url,
    ])  # fmt: skip
    before = cpu_times(server_cpu) if server_cpu is not None else None
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    after = cpu_times(server_cpu) if server_cpu is not None else None
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result = {
        "rps": rps,
        "p50_ms": _ms(latency["50"]),
        "p99_ms": _ms(latency["99"]),
        "non_2xx": float(errors.group(1)) if errors else 0.0,
    }
    if before is not None and after is not None:  # unknown when not pinned
        idle, ticks = after[0] - before[0], after[1] - before[1]
        result["server_cpu_idle"] = round(idle / max(ticks, 1), 3)
    return result


def median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def metric(base: str, name: str, **labels: str) -> float:
    body, _ = fetch(base + "/metrics")
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    prefix = f"{name}{{{wanted}}} " if labels else f"{name} "
    for line in body.decode().splitlines():
        if line.startswith(prefix):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def app_env(database_url: str, port: int, log_level: str) -> dict[str, str]:
    """The environment of a benchmarked app server (also bench/rest_ab.py's): production
    settings, no sync, no Redis unless the caller adds one, a limit no wrk run reaches."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "APP_ENV": "production",
        "SYNC_CRON": "",
        "SYNC_ON_STARTUP": "false",
        "RATE_LIMIT_PER_MINUTE": "10000000",  # one wrk client must not be throttled
        "LOG_LEVEL": log_level,
        "LOG_FORMAT": "json",
    }
    env.pop("REDIS_URL", None)
    return env


def start_app(
    database_url: str, port: int, body_file: Path, args: argparse.Namespace
) -> subprocess.Popen[bytes]:
    env = app_env(database_url, port, args.log_level)
    if args.redis:
        env["REDIS_URL"] = args.redis
    return subprocess.Popen(
        pinned(args.server_cpu, [sys.executable, __file__, "app", str(port), str(body_file)]),
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=args.app_log,  # a file: a terminal would slow the server down
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def measure(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    app_port, trivial_port = free_port(), free_port()
    body_file = Path(tempfile.mkdtemp(prefix="rest-bench-")) / "body.json"
    app = start_app(database_url, app_port, body_file, args)
    trivial: subprocess.Popen[bytes] | None = None
    base = f"http://127.0.0.1:{app_port}"
    try:
        wait_http(base + "/health", app)
        body, headers = fetch(base + LIST_PATH)
        body_file.write_bytes(body)
        assert fetch(base + "/bench/same-bytes")[0] == body
        trivial = subprocess.Popen(
            pinned(
                args.server_cpu,
                [sys.executable, __file__, "trivial", str(trivial_port), str(body_file)],
            ),
            cwd=ROOT,
        )
        wait_http(f"http://127.0.0.1:{trivial_port}/v1/models")
        wrk = (args.duration, args.threads, args.connections, args.wrk_cpu, args.server_cpu)
        # Alternate the two servers for several rounds and keep medians: other work on the
        # machine then hits both alike instead of skewing one run.
        reals, plains, stacked = [], [], []
        for _ in range(args.rounds):
            reals.append(run_wrk(base + LIST_PATH, *wrk))
            plains.append(run_wrk(f"http://127.0.0.1:{trivial_port}{LIST_PATH}", *wrk))
            stacked.append(run_wrk(base + "/bench/same-bytes", *wrk))
        real, plain, in_stack = median_run(reals), median_run(plains), median_run(stacked)
        ratios = [a["rps"] / b["rps"] for a, b in zip(reals, plains, strict=True)]
        # Rounds in which both servers kept their CPU busy (pinned runs only).
        saturated = [
            ratio
            for ratio, a, b in zip(ratios, reals, plains, strict=True)
            if max(a.get("server_cpu_idle", 1.0), b.get("server_cpu_idle", 1.0)) <= IDLE_LIMIT
        ]
        full = measure_full_list(base, wrk)
    finally:
        if trivial is not None:
            stop(trivial)
        stop(app)
    return {
        "list_body_bytes": len(body),
        "catalog_version": headers.get("X-Catalog-Version"),
        "app": real,
        "trivial": plain,
        "trivial_in_app_stack": in_stack,
        # Per round (its runs are neighbours in time), then the median: throughput on a shared
        # VM drifts between rounds, and a ratio of medians would mix different moments.
        "ratio": statistics.median(ratios),
        "ratio_per_round": [round(ratio, 3) for ratio in ratios],
        "ratio_of_medians": real["rps"] / plain["rps"],
        "ratio_to_trivial_in_app_stack": real["rps"] / in_stack["rps"],
        # The median over the rounds whose two runs both had their server CPU saturated.
        "ratio_saturated_rounds": statistics.median(saturated) if saturated else None,
        "saturated_rounds": len(saturated),
        "pinned": {"server_cpu": args.server_cpu, "wrk_cpu": args.wrk_cpu},
        "rounds": {
            "app_rps": [r["rps"] for r in reals],
            "trivial_rps": [r["rps"] for r in plains],
            "trivial_in_app_stack_rps": [r["rps"] for r in stacked],
            "app_server_cpu_idle": [r.get("server_cpu_idle") for r in reals],
            "trivial_server_cpu_idle": [r.get("server_cpu_idle") for r in plains],
        },
        "full_list": full,
    }


def measure_full_list(
    base: str, wrk: tuple[int, int, int, int | None, int | None]
) -> dict[str, Any]:
    """The full legacy list must come from the cache: misses may not grow under load."""
    body, _ = fetch(base + FULL_PATH)  # builds the entry once
    misses = metric(base, "effect_models_cache_misses_total", layer="rest")
    hits = metric(base, "effect_models_cache_hits_total", layer="rest_local")
    result = run_wrk(base + FULL_PATH, *wrk)
    return {
        **result,
        "body_bytes": len(body),
        "models": len(json.loads(body)["data"]),
        "cache_misses_during_run": metric(base, "effect_models_cache_misses_total", layer="rest")
        - misses,
        "cache_hits_during_run": metric(base, "effect_models_cache_hits_total", layer="rest_local")
        - hits,
    }


async def with_synced_database(
    admin: str,
    args: argparse.Namespace,
    run: Callable[[str, argparse.Namespace], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Create a scratch database, migrate it, sync the shared payloads into it, run the
    measurement (this bench's `measure` unless another is given), and always drop it."""
    from server.core.migrate import upgrade_to_head
    from tests.support import services

    name, url = await services.acreate_database(admin)
    try:
        await asyncio.to_thread(upgrade_to_head, url)
        catalog = await populate(url)
        result = await asyncio.to_thread(run or measure, url, args)
        return {"catalog": catalog, **result}
    finally:
        await services.adrop_database(admin, name)


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] in ("trivial", "app"):
        serve = serve_trivial if sys.argv[1] == "trivial" else serve_app
        serve(int(sys.argv[2]), sys.argv[3])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating wrk rounds")
    # 1 wrk thread by default: on a 2-core machine a second one takes the server's core.
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--redis", default=None, help="REDIS_URL for the app (default: none)")
    parser.add_argument("--log-level", default="INFO", help="the app's LOG_LEVEL")
    parser.add_argument("--no-pin", action="store_true", help="do not pin servers and wrk to CPUs")
    args = parser.parse_args()
    args.server_cpu, args.wrk_cpu = pin_cpus(args)
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    from tests.support import services

    log_path = Path(tempfile.mkdtemp(prefix="rest-bench-")) / "app.log"
    with log_path.open("wb") as args.app_log:
        result = asyncio.run(with_synced_database(services.admin_database_url(), args))
    result["app_log"] = str(log_path)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
