"""A/B of two code trees' uncached data path: the catalog queries and the row objects they
return, up to the bytes, measured in process CPU time (robust to other load on the box).

    .venv/bin/python bench/rows_bench.py OTHER_TREE [--rounds 6] [--repeat 15]
    .venv/bin/python bench/rows_bench.py construct

`construct` times building 1,000 rows of ModelRow's width from tuples, per candidate type
(dict, NamedTuple, dataclasses), in this process only.

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

Each child also digests what it built, and the real app's responses (create_app in process,
uncached, the envelope's timestamp blanked: /v1/models?all=true with every status, one
model, /v1/providers, the LiteLLM export, the sync history, and two GraphQL documents that
read every row type), so the two trees are seen to produce the same bytes. Prints per-round
medians, the median of rounds per tree and target, and this/other ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import secrets
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
    out["digest"].update(await response_digests(database_url))
    return out


# The responses compared byte for byte between the trees (through the real app, uncached:
# each is asked once). GraphQL reads every row type: models with offerings (prices, tiers,
# cost estimate, price at a date, history), scores, external ids, creators, changes.
_MODEL_FIELDS = """id name creatorId family description releaseDate lastUpdated
  knowledgeCutoff openWeights license inputModalities outputModalities supportsTools
  supportsReasoning supportsStructuredOutput supportsAttachments supportsTemperature
  contextWindow maxOutputTokens huggingfaceId downloads likes trendingScore
  intelligenceIndex outputTokensPerSecond cheapestInputPrice cheapestOutputPrice sources
  status firstSeenAt lastSeenAt updatedAt removedAt aliasOf capabilities"""
_OFFERING_FIELDS = """id providerId providerModelId modelId name inputPrice outputPrice
  cacheReadPrice cacheWritePrice reasoningPrice inputAudioPrice outputAudioPrice
  requestPrice imagePrice priceTiers { aboveTokens inputPrice outputPrice cacheReadPrice
  cacheWritePrice } isFree priceVariable listingKind contextWindow maxInputTokens
  maxOutputTokens expiresOn status source firstSeenAt lastSeenAt removedAt
  estimateCost(inputTokens: 300000, outputTokens: 1000, cachedInputTokens: 10) {
    total complete note tierAppliedAboveTokens lines { item tokens unitPrice cost } }
  priceAt(at: "2025-01-01T00:00:00Z") { at inputPrice outputPrice imagePrice }
  priceHistory { at field oldValue newValue }"""
_CHANGE_FIELDS = "id at syncRunId entity entityId modelId providerId kind field oldValue newValue"
_PROVIDER_FIELDS = """id name kind apiUrl docUrl envVars npmPackage status firstSeenAt
  lastSeenAt modelCount offeringCount"""
GRAPHQL = {
    "graphql_models": f"""query ($after: String) {{
      models(first: 20, after: $after, sort: {{field: NAME}}) {{ totalCount
      pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ {_MODEL_FIELDS}
        creator {{ {_PROVIDER_FIELDS} }}
        offerings {{ {_OFFERING_FIELDS} provider {{ id modelCount }} }}
        cheapestOffering(includeFree: true) {{ id }}
        scores {{ metric value unit source variant selfReported independent measuredAt }}
        externalIds {{ source id matchMethod confidence }}
        priceHistory {{ offering {{ id }} points {{ at field oldValue newValue }} }}
        changes {{ {_CHANGE_FIELDS} }} }} }} }} }}""",
    "graphql_feeds": f"""{{ providers(first: 100) {{ totalCount edges {{ node {{
        {_PROVIDER_FIELDS} }} }} }}
      changes(first: 100) {{ totalCount edges {{ node {{ {_CHANGE_FIELDS} }} }} }}
      syncRuns(first: 10) {{ edges {{ node {{ id trigger status sources totalFetched
        totalStored totalChanged message }} }} }}
      resolveModel(name: "claude sonnet 4") {{ __typename
        ... on ResolvedModel {{ rule matched model {{ id }} }}
        ... on ModelNotFound {{ suggestions {{ id }} }} }}
      compare(ids: ["openai/gpt-4o", "anthropic/claude-sonnet-4", "nope/nope"]) {{
        missingIds cheapestInputModelId largestContextModelId highestIntelligenceModelId
        models {{ id }} }} }}""",
}
GRAPHQL_PAGES = 15
REST = {
    "rest_all_body": "/v1/models?all=true&status=active&status=deprecated&status=removed",
    "rest_model_body": "/v1/models/openai/gpt-4o?includeFree=true",
    "rest_providers_body": "/v1/providers",
    "rest_export_body": "/v1/export/litellm.json",
    "rest_history_body": "/v1/admin/sync/history",
}


async def response_digests(database_url: str) -> dict[str, str]:
    """sha256 (16 hex) of each response body, the envelope's timestamp blanked."""
    import re

    from aiohttp.test_utils import TestClient, TestServer

    from server.core.settings import load_settings
    from server.http.app import create_app

    token = secrets.token_hex(16)
    environ = {
        "DATABASE_URL": database_url,
        "ADMIN_TOKEN": token,
        "SYNC_CRON": "",
        "SYNC_ON_STARTUP": "false",
        "GRAPHQL_MAX_EXPANDED_SELECTIONS": "1000000",
        "RATE_LIMIT_PER_MINUTE": "1000000",
    }
    app = create_app(load_settings(environ))
    headers = {"Authorization": f"Bearer {token}"}
    digests: dict[str, str] = {}
    async with TestClient(TestServer(app)) as client:
        bodies: dict[str, bytes] = {}
        for name, path in REST.items():
            resp = await client.get(path, headers=headers)
            assert resp.status == 200, (path, resp.status, await resp.text())
            bodies[name] = re.sub(rb'"timestamp":"[^"]*"', b'"timestamp":""', await resp.read())
        for name, query in GRAPHQL.items():
            bodies[name] = b""
            after = None
            for _ in range(GRAPHQL_PAGES):  # 20 models a page: the cost limit allows no more
                payload = {"query": query, "variables": {"after": after}}
                resp = await client.post("/graphql", json=payload, headers=headers)
                body = await resp.read()
                assert resp.status == 200 and b'"errors"' not in body, (name, body[:500])
                bodies[name] += body
                page = json.loads(body)["data"].get("models", {}).get("pageInfo", {})
                after = page.get("endCursor")
                if not page.get("hasNextPage"):
                    break
    for name, body in bodies.items():
        digests[name] = hashlib.sha256(body).hexdigest()[:16]
        digests[name + "_bytes"] = str(len(body))
    return digests


# ------------------------------------------------------------------ row construction


def construction() -> dict[str, float]:
    """ms per 1,000 rows of ModelRow's width built from result tuples, by each candidate:
    the dicts the queries used to build, the NamedTuple they build now, and dataclasses."""
    import dataclasses
    import timeit

    from server.core.catalog.rows import ModelRow

    names = ModelRow._fields
    frozen = dataclasses.make_dataclass("Frozen", names, frozen=True, slots=True)
    slotted = dataclasses.make_dataclass("Slotted", names, slots=True)
    tuples = [tuple(range(len(names)))] * 1000
    candidates: dict[str, Callable[[], object]] = {
        "dict(zip(names, row))": lambda: [dict(zip(names, t, strict=True)) for t in tuples],
        "ModelRow._make(row)": lambda: [ModelRow._make(t) for t in tuples],
        "frozen slotted dataclass(*row)": lambda: [frozen(*t) for t in tuples],
        "slotted dataclass(*row)": lambda: [slotted(*t) for t in tuples],
    }
    return {
        label: round(min(timeit.repeat(build, number=20, repeat=7)) / 20 * 1000, 3)
        for label, build in candidates.items()
    }


# ------------------------------------------------------------------ parent (A/B)


def run_child(tree: Path, database_url: str, repeat: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, str(Path(__file__).resolve()), "child", database_url, str(repeat)]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"the child for {tree} failed:\n{out.stderr[-3000:]}")
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
        "same_bytes": {t: digests["this"][t] == digests["other"][t] for t in digests["this"]},
        "digests": digests["this"],
    }


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "child":
        print(json.dumps(asyncio.run(child(sys.argv[2], int(sys.argv[3])))))
        return 0
    if sys.argv[1:] == ["construct"]:
        print(json.dumps(construction(), indent=2))
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
