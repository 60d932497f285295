"""Scenario 5: hostile upstreams (loopback fakes), synced by a real server process.

After a healthy baseline sync, two runs:

- transport attacks: models.dev dribbles its body one byte per 0.2 s forever (slowloris),
  OpenRouter redirects to itself endlessly, Hugging Face sends a gzip bomb (~0.5 MB on the
  wire, 512 MiB decompressed) and Artificial Analysis a valid payload ten times the normal
  size. The run ends `partial`; each failed source names its reason; the three failed
  sources keep their previous data; the big payload is stored.
- data attacks: every source serves its valid records plus one record per field with that
  field of the wrong type, absurd prices (-5, 1e300, NaN, ±Infinity, as strings and
  numbers), a duplicate id and 1 MB strings (in a text field and as an id). Every source
  succeeds; its invalid records are counted with example reasons; the valid ones are
  stored; no negative, non-finite or absurd number reaches the catalog.

Memory: the replica's peak RSS (VmHWM from /proc) may grow by at most MAX_GROWTH_MIB over
the hostile runs. The fetcher caps a body at 64 MiB of DECOMPRESSED bytes, so the bomb
costs at most that; without the cap it would cost 512 MiB or more.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson

from server.core.limits import MAX_RECORD_TEXT_LENGTH
from tests.reliability.conftest import StartReplicas
from tests.reliability.support.catalogs import SOURCES, Snapshot, input_price
from tests.reliability.support.hostile import (
    ABSURD_PRICES,
    gzip_bomb,
    hostile_bodies,
    redirect_loop,
    serve_gzip_bomb,
    slowloris,
    static_body,
)
from tests.reliability.support.http import call, scalar, sync_once
from tests.reliability.support.replica import ServerProcess, base_env
from tests.reliability.support.upstream import FakeUpstream

MIB = 1024 * 1024
MAX_GROWTH_MIB = 160  # the 64 MiB body cap, the 10x payload and the 1 MB strings, with room
SYNC_TIMEOUT_MS = 3000
PRICE_COLUMNS = (
    "input_price",
    "output_price",
    "cache_read_price",
    "cache_write_price",
    "reasoning_price",
    "request_price",
    "image_price",
)
# None of the valid inputs is above 100 USD per 1M tokens; 1e6 is far beyond any real price.
ABSURD = "({c} < 0 OR {c} = 'NaN' OR {c} > 1e6)"
ABSURD_OFFERINGS = "SELECT array_agg(o::text) FROM offerings o WHERE " + " OR ".join(
    ABSURD.format(c=c) for c in PRICE_COLUMNS
)
ABSURD_MODELS = (
    "SELECT array_agg(m.id || ' ' || m.cheapest_input_price::text) FROM models m WHERE "
    + " OR ".join(
        ABSURD.format(c=c)
        for c in ("cheapest_input_price", "cheapest_output_price", "intelligence_index")
    )
    + " OR downloads < 0 OR likes < 0"
)
ABSURD_SCORES = "SELECT array_agg(s::text) FROM scores s WHERE " + ABSURD.format(c="value")
GENUINE_PRICES = (
    "SELECT coalesce(array_agg(cheapest_input_price::float8 ORDER BY id), '{}') "
    "FROM models WHERE id ~ '^acme/model-[0-9]{3}$'"
)
LONGEST_TEXT = "SELECT coalesce(max(greatest(length(id), length(name))), 0) FROM models"


async def _genuine_prices(url: str) -> list[float]:
    return list(await scalar(url, GENUINE_PRICES))


def _expected_prices(generation: int) -> list[float]:
    return [input_price(i, generation) for i in range(40)]


async def _records(url: str, source: str) -> int:
    sql = "SELECT count(*) FROM source_records WHERE source = $1 AND removed_at IS NULL"
    return int(await scalar(url, sql, source))


async def _sync(
    session: aiohttp.ClientSession, replica: ServerProcess, url: str
) -> tuple[str, dict[str, Any]]:
    """Run one sync through the replica; its status and per-source stats."""
    run = await sync_once(session, replica.url, url)
    stats = run["source_stats"]
    return run["status"], orjson.loads(stats) if isinstance(stats, str) else dict(stats)


def _peak_rss_mib(replica: ServerProcess) -> float:
    return replica.memory()[1] / MIB


async def _transport_attacks(
    session: aiohttp.ClientSession, replica: ServerProcess, url: str, upstream: FakeUpstream
) -> None:
    big = Snapshot(size=400, generation=1)  # ten times the normal 40
    upstream.handlers.update(
        {
            "models.dev": slowloris,
            "openrouter": redirect_loop,
            "huggingface": serve_gzip_bomb,
            "artificialanalysis": static_body(orjson.dumps(big.artificial_analysis())),
        }
    )
    status, stats = await _sync(session, replica, url)
    print("transport attacks:", status, {s: (v["status"], v["error"]) for s, v in stats.items()})
    assert status == "partial", stats
    assert {s: stats[s]["status"] for s in SOURCES} == {
        "models.dev": "failed",
        "openrouter": "failed",
        "huggingface": "failed",
        "artificialanalysis": "succeeded",
    }, stats
    assert f"SYNC_TIMEOUT_MS={SYNC_TIMEOUT_MS}" in stats["models.dev"]["error"]
    assert "redirect" in stats["openrouter"]["error"].lower()
    assert "byte cap" in stats["huggingface"]["error"]
    assert stats["artificialanalysis"]["valid"] == 400
    assert await _records(url, "artificialanalysis") == 400
    # The failed sources' data stays exactly as the baseline left it.
    assert await _records(url, "models.dev") == 41  # the provider record + 40 models
    assert await _records(url, "huggingface") == 10
    assert await _genuine_prices(url) == _expected_prices(1)


async def _data_attacks(
    session: aiohttp.ClientSession, replica: ServerProcess, url: str, upstream: FakeUpstream
) -> None:
    bodies = hostile_bodies(Snapshot(size=40, generation=2))
    upstream.handlers.update({s: static_body(body) for s, body in bodies.items()})
    status, stats = await _sync(session, replica, url)
    print(
        "data attacks:",
        status,
        {s: (v["status"], v["valid"], v["invalid"]) for s, v in stats.items()},
    )
    for source in SOURCES:
        print(source, stats[source]["invalid_examples"][:20])
    assert status == "succeeded", stats
    for source in SOURCES:
        entry = stats[source]
        assert entry["status"] == "succeeded" and entry["error"] is None, (source, entry)
        assert entry["invalid"] >= len(ABSURD_PRICES), (source, entry)
        examples = entry["invalid_examples"]
        assert examples and all(_has_reason(e) for e in examples), (source, examples)
    assert await _genuine_prices(url) == _expected_prices(2)
    assert await _records(url, "openrouter") >= 40
    assert await scalar(url, ABSURD_OFFERINGS) is None
    assert await scalar(url, ABSURD_MODELS) is None
    assert await scalar(url, ABSURD_SCORES) is None
    assert await scalar(url, LONGEST_TEXT) <= MAX_RECORD_TEXT_LENGTH  # the 1 MB ones were refused
    page = await call(session, "GET", f"{replica.url}/v1/models?limit=100")
    assert page.status == 200, page


def _has_reason(example: Any) -> bool:
    text = example.get("reason") if isinstance(example, dict) else example
    return isinstance(text, str) and len(text) > 3


async def test_hostile_upstreams_end_with_clear_status_valid_data_and_bounded_memory(
    replicas: StartReplicas, database_url: str, upstream: FakeUpstream
) -> None:
    gzip_bomb()  # built before measuring: it lives in the test process, not the replica
    env = base_env(database_url, **upstream.env(), SYNC_TIMEOUT_MS=str(SYNC_TIMEOUT_MS))
    [replica] = await replicas([env])
    async with aiohttp.ClientSession() as session:
        status, stats = await _sync(session, replica, database_url)
        assert status == "succeeded", stats
        assert await _genuine_prices(database_url) == _expected_prices(1)
        before = _peak_rss_mib(replica)

        await _transport_attacks(session, replica, database_url, upstream)
        await _data_attacks(session, replica, database_url, upstream)
        health = await call(session, "GET", f"{replica.url}/health")
    peak = _peak_rss_mib(replica)
    print(f"replica peak RSS: {before:.0f} MiB before, {peak:.0f} MiB after the hostile runs")
    assert health.status == 200 and replica.alive()
    assert peak - before <= MAX_GROWTH_MIB, f"peak RSS grew {peak - before:.0f} MiB"
