"""A/B of two code trees' uncached data path: the catalog queries and the row objects they
return, up to the bytes, measured in process CPU time (robust to other load on the box).

    .venv/bin/python bench/rows_bench.py OTHER_TREE [--rounds 6] [--repeat 15]

OTHER_TREE is an exported copy of another commit (`git archive <commit> | tar -x -C DIR`).
One scratch database is filled as bench/rest_bench.py fills it (a real sync of
$SHARED_UPSTREAM_DIR, else ../shared/upstream, else the test seed). Then, per round and in
alternation, one child process per tree (this file, run with PYTHONPATH set to that tree)
builds each target `--repeat` times on one connection and reports its median CPU ms:

- rest_all     GET /v1/models?all=true without its cache: every model, its offerings, the
               legacy records, the JSON envelope
- rest_page    the same for ?limit=20 (the default page)
- graphql_all  every model as the Strawberry `Model` object (model_from_row)
- providers    GET /v1/providers' records, without its cache

Each child also prints a digest of the REST bodies (timestamp removed) so the two trees are
seen to produce the same bytes. Prints per-round medians, the median of rounds per tree and
target, and this/other ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------ child (one tree)


async def _targets(conn: Any) -> dict[str, Callable[[], Awaitable[bytes]]]:
    # Imported here: the child runs with the measured tree first on sys.path.
    import orjson

    from schema.models import model_from_row
    from server.core.catalog import ModelFilter, ModelSort, list_models
    from server.core.catalog.providers import ProviderFilter, ProviderSortField, list_providers
    from server.http.rest.models import ALL_LIMIT, _legacy_page
    from server.http.rest.providers import provider_record

    async def rest(limit: int) -> bytes:
        records, total = await _legacy_page(conn, ModelFilter(), ModelSort(), limit, 0)
        return orjson.dumps({"data": records, "meta": {"total": total}})

    async def graphql_all() -> bytes:
        page = await list_models(conn, ModelFilter(), ModelSort(), ALL_LIMIT, 0)
        return str(len([model_from_row(row) for row in page.rows])).encode()

    async def providers() -> bytes:
        flt, sort = ProviderFilter(), ProviderSortField.NAME
        page = await list_providers(conn, flt, sort, False, 10_000, 0)
        return orjson.dumps([provider_record(row) for row in page.rows])

    return {
        "rest_all": lambda: rest(ALL_LIMIT),
        "rest_page": lambda: rest(20),
        "graphql_all": graphql_all,
        "providers": providers,
    }


async def child(database_url: str, repeat: int) -> dict[str, Any]:
    from server.core.database import create_engine

    engine = create_engine(database_url, pool_size=1)
    import server

    out: dict[str, Any] = {"ms": {}, "digest": {}, "tree": str(Path(server.__file__).parents[1])}
    try:
        async with engine.connect() as conn:
            for name, build in (await _targets(conn)).items():
                body = await build()  # warm: statement caches, imports
                times = []
                for _ in range(repeat):
                    started = time.process_time()
                    await build()
                    times.append((time.process_time() - started) * 1000)
                out["ms"][name] = round(statistics.median(times), 2)
                out["digest"][name] = hashlib.sha256(body).hexdigest()[:16]
    finally:
        await engine.dispose()
    return out


# ------------------------------------------------------------------ parent (A/B)


def run_child(tree: Path, database_url: str, repeat: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, str(Path(__file__).resolve()), "child", database_url, str(repeat)]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def compare(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    trees = {"this": ROOT, "other": args.other.resolve()}
    rounds: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    digests: dict[str, dict[str, str]] = {}
    for _ in range(args.rounds):
        for name, tree in trees.items():
            got = run_child(tree, database_url, args.repeat)
            assert got["tree"] == str(tree), (name, got["tree"])  # measured the right tree
            rounds[name].append(got["ms"])
            digests[name] = got["digest"]
    targets = list(rounds["this"][0])
    medians = {
        name: {t: statistics.median(r[t] for r in per_round) for t in targets}
        for name, per_round in rounds.items()
    }
    return {
        "cpu_ms_per_build_per_round": rounds,
        "median_cpu_ms": medians,
        "this_over_other": {t: round(medians["this"][t] / medians["other"][t], 3) for t in targets},
        "same_bytes": {t: digests["this"][t] == digests["other"][t] for t in targets},
    }


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "child":
        print(json.dumps(asyncio.run(child(sys.argv[2], int(sys.argv[3])))))
        return 0
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("other", type=Path, help="an exported tree of another commit")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=15, help="builds per target per round")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))  # the parent only: a child measures its own tree
    from bench import rest_bench
    from tests.support import services

    result = asyncio.run(
        rest_bench.with_synced_database(services.admin_database_url(), args, run=compare)
    )
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
