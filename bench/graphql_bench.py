"""GraphQL load benchmark: `models(first: 20)` with 15 fields, cached and uncached, next to
a plain Strawberry schema (default settings) and REST `/v1/models?limit=20`, in one run.

    .venv/bin/python bench/graphql_bench.py [--duration 10] [--rounds 3] [--threads 1]
        [--connections 16] [--redis redis://127.0.0.1:6379/12] [--log-level WARNING]

Needs PostgreSQL (TEST_DATABASE_URL or 127.0.0.1:5432; a fresh database is created, filled
by a real sync of ../shared/upstream when present, else the test seed, and dropped) and
`wrk` (Debian package). One app process, built exactly as `serve` does, plus two bench-only
routes behind the same edge, so the four targets differ only in the handler:

- `POST /graphql`                  the real endpoint (response cache on: a cache hit)
- `POST /bench/graphql-uncached`   the same view and schema with the response cache off, so
                                   every request parses (cached), validates (cached) and
                                   executes against PostgreSQL
- `POST /bench/graphql-plain`      a plain Strawberry schema with default settings (no
                                   extensions, no caches) and the default `GraphQLView`,
                                   resolving the same page with the same catalog query
- `GET /v1/models?limit=20`        REST, for the cached target

Targets (issue 4): uncached >= 2x plain; cached >= 50 % of REST.
"""

import argparse
import asyncio
import base64
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import strawberry  # noqa: E402

from bench.rest_bench import (  # noqa: E402
    _ms,
    free_port,
    median_run,
    stop,
    wait_http,
    with_synced_database,
)
from server.core.catalog import ModelFilter, ModelSort, list_models  # noqa: E402
from server.http.keys import READ_ENGINE  # noqa: E402

FIELDS = (
    "id name creatorId family releaseDate contextWindow maxOutputTokens openWeights "
    "supportsTools supportsReasoning inputModalities outputModalities cheapestInputPrice "
    "cheapestOutputPrice intelligenceIndex"
)
QUERY = f"{{ models(first: 20) {{ totalCount edges {{ cursor node {{ {FIELDS} }} }} }} }}"
TARGETS = {
    "cached": "/graphql",
    "uncached": "/bench/graphql-uncached",
    "plain": "/bench/graphql-plain",
    "rest": "/v1/models?limit=20",
}


# ------------------------------------------------------------------ plain Strawberry (child)


@strawberry.type(name="Model")
class PlainModel:
    id: strawberry.ID
    name: str
    creator_id: str
    family: str | None
    release_date: date | None
    context_window: int | None
    max_output_tokens: int | None
    open_weights: bool | None
    supports_tools: bool | None
    supports_reasoning: bool | None
    input_modalities: list[str]
    output_modalities: list[str]
    cheapest_input_price: Decimal | None
    cheapest_output_price: Decimal | None
    intelligence_index: Decimal | None


@strawberry.type(name="ModelEdge")
class PlainEdge:
    cursor: str
    node: PlainModel


@strawberry.type(name="ModelConnection")
class PlainConnection:
    edges: list[PlainEdge]
    total_count: int


_PLAIN_COLUMNS = [f for f in PlainModel.__annotations__ if f != "id"]


@strawberry.type(name="Query")
class PlainQuery:
    """The naive version: Strawberry defaults, one connection per request, no caches."""

    @strawberry.field
    async def models(self, info: strawberry.Info, first: int = 20) -> PlainConnection:
        async with info.context["request"].app[READ_ENGINE].connect() as conn:
            page = await list_models(conn, ModelFilter(), ModelSort(), first, 0)
        edges = [
            PlainEdge(
                cursor=base64.b64encode(f"offset:{i}".encode()).decode(),
                node=PlainModel(
                    id=strawberry.ID(r.id), **{n: getattr(r, n) for n in _PLAIN_COLUMNS}
                ),
            )
            for i, r in enumerate(page.rows)
        ]
        return PlainConnection(edges=edges, total_count=page.total)


def serve_app(port: int) -> None:
    from aiohttp import web
    from strawberry.aiohttp.views import GraphQLView

    from schema.compose import schema_for
    from schema.view import CatalogGraphQLView
    from server.core.logs import configure_logging
    from server.core.settings import load_settings
    from server.http.access_log import access_log_options
    from server.http.app import create_app

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    app = create_app(settings)
    schema = schema_for(settings.graphql_fast_path)  # GRAPHQL_FAST_PATH, as /graphql uses
    uncached = CatalogGraphQLView(schema=schema, graphql_ide=None, response_cache=False)
    app.router.add_post(TARGETS["uncached"], uncached)
    app.router.add_post(TARGETS["plain"], GraphQLView(schema=strawberry.Schema(query=PlainQuery)))
    web.run_app(app, host="127.0.0.1", port=port, print=None, **access_log_options(settings))


# ------------------------------------------------------------------ driving the load


def post(url: str) -> tuple[dict[str, Any], dict[str, str]]:
    body = json.dumps({"query": QUERY}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310 - loopback only
        return json.loads(resp.read()), dict(resp.headers)


def wrk_script(directory: Path) -> Path:
    script = directory / "post.lua"
    body = json.dumps({"query": QUERY})
    script.write_text(
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = [==[{body}]==]\n"
    )
    return script


def run_wrk(url: str, script: Path | None, args: argparse.Namespace) -> dict[str, float]:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
               "--latency", url]  # fmt: skip
    if script is not None:
        command[1:1] = ["-s", str(script)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if rps is None:
        raise RuntimeError(f"cannot read wrk output:\n{out}")
    return {
        "rps": float(rps.group(1)),
        "p50_ms": _ms(latency["50"]),
        "p99_ms": _ms(latency["99"]),
        "non_2xx": float(errors.group(1)) if errors else 0.0,
    }


def check_targets(base: str) -> dict[str, Any]:
    """Every GraphQL target answers the same page without errors; the cached one hits."""
    pages = {}
    for name in ("uncached", "plain", "cached"):
        body, headers = post(base + TARGETS[name])
        if "errors" in body or len(body["data"]["models"]["edges"]) != 20:
            raise RuntimeError(f"{name}: unexpected answer {str(body)[:500]}")
        pages[name] = [e["node"] for e in body["data"]["models"]["edges"]]
    _, headers = post(base + TARGETS["cached"])
    with urllib.request.urlopen(base + TARGETS["rest"], timeout=10) as resp:  # noqa: S310
        rest_bytes = len(resp.read())
    return {
        "cached_second_request": headers.get("X-Cache"),
        "same_nodes_uncached_vs_plain": pages["uncached"] == pages["plain"],
        "same_nodes_cached_vs_uncached": pages["cached"] == pages["uncached"],
        "graphql_body_bytes": len(json.dumps({"data": {"models": pages["cached"]}})),
        "rest_body_bytes": rest_bytes,
    }


def start_app(database_url: str, port: int, args: argparse.Namespace) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "APP_ENV": "production",
        "SYNC_CRON": "",
        "SYNC_ON_STARTUP": "false",
        "RATE_LIMIT_PER_MINUTE": "10000000",  # one wrk client must not be throttled
        "LOG_LEVEL": args.log_level,
        "LOG_FORMAT": "json",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    if args.redis:
        env["REDIS_URL"] = args.redis
    return subprocess.Popen(
        [sys.executable, __file__, "app", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=args.app_log,  # a file: a terminal would slow the server down
    )


def measure(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    script = wrk_script(Path(tempfile.mkdtemp(prefix="graphql-bench-")))
    app = start_app(database_url, port, args)
    try:
        wait_http(base + "/health", app)
        checks = check_targets(base)
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in TARGETS}
        # Alternate the targets for several rounds and keep medians: other work on the
        # machine then hits all of them alike instead of skewing one run.
        for _ in range(args.rounds):
            for name, path in TARGETS.items():
                runs[name].append(run_wrk(base + path, None if name == "rest" else script, args))
    finally:
        stop(app)
    results = {name: median_run(r) for name, r in runs.items()}

    # Ratios per round (its four runs are neighbours in time), then their median: on a
    # shared machine the load drifts between rounds more than within one.
    def ratios(a: str, b: str) -> list[float]:
        return [x["rps"] / y["rps"] for x, y in zip(runs[a], runs[b], strict=True)]

    per_round = {
        "uncached_over_plain": ratios("uncached", "plain"),
        "cached_over_rest": ratios("cached", "rest"),
    }
    return {
        "checks": checks,
        **results,
        **{name: statistics.median(values) for name, values in per_round.items()},
        "rounds_ratios": per_round,
        "rounds_rps": {name: [r["rps"] for r in rs] for name, rs in runs.items()},
    }


def table(result: dict[str, Any]) -> str:
    rows = ["| target | rps | p50 | p99 | non-2xx |", "|---|---|---|---|---|"]
    for name, path in TARGETS.items():
        r = result[name]
        rows.append(
            f"| {name} `{path}` | {r['rps']:,.0f} | {r['p50_ms']:.2f} ms | "
            f"{r['p99_ms']:.2f} ms | {r['non_2xx']:.0f} |"
        )
    rows.append(
        f"\nmedian of per-round ratios: uncached / plain = {result['uncached_over_plain']:.2f}"
        f" (target >= 2); cached / REST = {result['cached_over_rest']:.2f} (target >= 0.5)"
    )
    return "\n".join(rows)


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "app":
        serve_app(int(sys.argv[2]))
        return 0
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating wrk rounds")
    # 1 wrk thread by default: on a 2-core machine a second one takes the server's core.
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--redis", default=None, help="REDIS_URL for the app (default: none)")
    parser.add_argument("--log-level", default="WARNING", help="the app's LOG_LEVEL")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2
    from tests.support import services

    log_path = Path(tempfile.mkdtemp(prefix="graphql-bench-")) / "app.log"
    with log_path.open("wb") as args.app_log:
        result = asyncio.run(with_synced_database(services.admin_database_url(), args, measure))
    result["app_log"] = str(log_path)
    print(json.dumps(result, indent=2))
    print(table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
