"""LiteLLM export benchmark: size of /v1/export/litellm.json for the real catalog, what is
left out and why, and the time one build takes (query, map, JSON, gzip), which a replica
spends once per catalog version.

    PYTHONPATH=. .venv/bin/python bench/litellm_export_bench.py [--shared DIR] [--rounds N]

Syncs ../shared/upstream (or --shared) into a scratch database (bench/rest_bench.py's
helper), falls back to the test seed when the payloads are absent, and prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from bench import rest_bench


async def _one_build(url: str) -> tuple[float, int, int, int, dict[str, int]]:
    from server.core.database import create_engine
    from server.core.export.litellm import build_cost_map, listed_offerings

    engine = create_engine(url, pool_size=1)
    try:
        started = time.perf_counter()
        async with engine.connect() as conn:
            rows = await listed_offerings(conn)
        cost_map = build_cost_map(rows)
        body = orjson.dumps(cost_map.entries, option=orjson.OPT_SORT_KEYS)
        packed = gzip.compress(body, compresslevel=6, mtime=0)  # as server/http/rest/cached.py
        seconds = time.perf_counter() - started
        return seconds, len(cost_map.entries), len(body), len(packed), cost_map.skipped
    finally:
        await engine.dispose()


def measure(url: str, args: argparse.Namespace) -> dict[str, Any]:
    runs = [asyncio.run(_one_build(url)) for _ in range(args.rounds)]
    _, keys, size, packed, skipped = runs[-1]
    return {
        "keys": keys,
        "bytes": size,
        "gzip_bytes": packed,
        "skipped": skipped,
        "build_ms_median": round(statistics.median(r[0] for r in runs) * 1000, 1),
        "build_ms_min": round(min(r[0] for r in runs) * 1000, 1),
        "rounds": args.rounds,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=rest_bench.SHARED)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    rest_bench.SHARED = args.shared  # populate() reads the payloads from here
    from tests.support import services

    result = asyncio.run(
        rest_bench.with_synced_database(services.admin_database_url(), args, measure)
    )
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
