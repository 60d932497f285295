"""The real litellm loads /v1/export/litellm.json from a running server and prices token
counts exactly as GraphQL's estimateCost does (issue 15).

litellm runs in a child process (tests/integrations/litellm_probe.py), the way a deployment
uses it: LITELLM_MODEL_COST_MAP_URL is read once, at import. Every proxy variable points at a
closed loopback port, so nothing but this server can be reached from it. Skipped, with the
reason, when litellm is not installed (`pip install -e '.[integrations]'`; `make test` does).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from server.export.litellm_providers import BARE_NAME_PROVIDERS, LITELLM_PROVIDERS
from tests.integrations.conftest import Client
from tests.support.seed import OFFERINGS, SeedInfo

PROBE = Path(__file__).with_name("litellm_probe.py")
if importlib.util.find_spec("litellm") is None:
    pytest.skip(
        "litellm is not installed; pip install -e '.[integrations]' (make test does)",
        allow_module_level=True,
    )

# (input, output, cache read, cache write) as estimateCost counts them. The third crosses
# claude-sonnet-4's and gemini-2.5-pro's 200k tier through cached tokens only; the fourth
# through fresh input.
TOKEN_SETS = [
    (1_000, 500, 0, 0),
    (123_456, 7_890, 0, 0),
    (150_000, 2_000, 30_000, 25_000),
    (250_000, 1_000, 0, 0),
    (10_000, 3_000, 40_000, 0),
]
# Far finer than the cent the issue asks for: only float rounding may differ.
TOLERANCE = Decimal("0.000001")
DEAD_PROXY = "http://127.0.0.1:9"


def _exported_offerings() -> list[dict[str, Any]]:
    """The seed's offerings the export must carry: listed, priced, known provider."""
    return [
        o
        for o in OFFERINGS
        if o["status"] != "removed"
        and not o["price_variable"]
        and o["input_price"] is not None
        and o["output_price"] is not None
        and o["provider_id"] in LITELLM_PROVIDERS
    ]


def _cases() -> list[dict[str, Any]]:
    """Every exported key (prefixed, and bare where LiteLLM uses bare names) x TOKEN_SETS."""
    cases = []
    for o in _exported_offerings():
        provider = LITELLM_PROVIDERS[o["provider_id"]]
        lookups: list[tuple[str, str | None]] = [(f"{provider}/{o['provider_model_id']}", None)]
        lookups.append((o["provider_model_id"], provider))
        if o["provider_id"] in BARE_NAME_PROVIDERS:
            lookups.append((o["provider_model_id"], None))
        for model, custom_provider in lookups:
            for index, (inp, out, cached, write) in enumerate(TOKEN_SETS):
                cases.append(
                    {
                        "model": model,
                        "provider": custom_provider,
                        "offering": (o["model_id"], o["provider_id"], o["provider_model_id"]),
                        "tokens": index,
                        "input": inp,
                        "output": out,
                        "cached": cached,
                        "write": write,
                    }
                )
    return cases


async def _estimates(client: Client) -> dict[tuple[str, str, str, int], Decimal | None]:
    """estimateCost totals from GraphQL per (model, provider, provider model id, token set)."""
    aliases = " ".join(
        f"c{i}: estimateCost(inputTokens: {a}, outputTokens: {b}, cachedInputTokens: {c}, "
        f"cacheWriteTokens: {d}) {{ total }}"
        for i, (a, b, c, d) in enumerate(TOKEN_SETS)
    )
    out: dict[tuple[str, str, str, int], Decimal | None] = {}
    for model_id in sorted({o["model_id"] for o in _exported_offerings()}):
        fields = f"providerId providerModelId {aliases}"
        query = f'{{ model(id: "{model_id}") {{ offerings {{ {fields} }} }} }}'
        resp = await client.post("/graphql", json={"query": query})
        body = await resp.json()
        assert resp.status == 200 and "errors" not in body, body
        for row in body["data"]["model"]["offerings"]:
            for i in range(len(TOKEN_SETS)):
                total = row[f"c{i}"]["total"]
                key = (model_id, row["providerId"], row["providerModelId"], i)
                out[key] = None if total is None else Decimal(str(total))
    return out


async def _run_probe(mode: str, url: str, import_url: str, cases: list[dict[str, Any]]) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(("LITELLM", "HTTP"))}
    env.update(
        LITELLM_MODEL_COST_MAP_URL=import_url,
        # LiteLLM refuses a fetched map with fewer than 50 keys or under half its bundled
        # map's size (it takes it for a truncated download); the seed exports 14.
        MODEL_COST_MAP_MIN_MODEL_COUNT="1",
        MODEL_COST_MAP_MAX_SHRINK_RATIO="0",
        HTTP_PROXY=DEAD_PROXY,
        HTTPS_PROXY=DEAD_PROXY,
        ALL_PROXY=DEAD_PROXY,
        NO_PROXY="127.0.0.1,localhost",
        LITELLM_BLOG_POSTS_URL=import_url,
        LITELLM_ANTHROPIC_BETA_HEADERS_URL=import_url,
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(PROBE),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    request = {"mode": mode, "url": url, "cases": cases}
    stdout, stderr = await asyncio.wait_for(proc.communicate(json.dumps(request).encode()), 120)
    assert proc.returncode == 0, stderr.decode()[-3000:]
    return json.loads(stdout)


def _compare(
    cases: list[dict[str, Any]], results: list[Any], estimates: dict[Any, Decimal | None]
) -> int:
    """Assert agreement case by case; return how many cases had a known estimate."""
    compared = 0
    for case, result in zip(cases, results, strict=True):
        ours = estimates[(*case["offering"], case["tokens"])]
        if ours is None:
            # A cache price the catalog does not know: estimateCost says "unknown", LiteLLM
            # bills those tokens at the input price. Only the known ones can be compared.
            assert case["cached"] or case["write"], case
            continue
        per_token = sum(Decimal(str(x)) for x in result["cost_per_token"])
        whole = Decimal(str(result["completion_cost"]))
        assert abs(per_token - ours) <= TOLERANCE, (case, per_token, ours)
        assert abs(whole - ours) <= TOLERANCE, (case, whole, ours)
        compared += 1
    return compared


async def test_litellm_loads_the_map_from_the_server_and_agrees_with_estimate_cost(
    live_client: Client, seeded: SeedInfo
) -> None:
    url = str(live_client.make_url("/v1/export/litellm.json"))
    cases = _cases()
    out = await _run_probe("env", url, url, cases)
    assert out["source"]["source"] == "remote", out["source"]
    assert out["source"]["url"] == url
    assert set(LITELLM_PROVIDERS.values()) <= set(out["providers"])
    compared = _compare(cases, out["results"], await _estimates(live_client))
    # 9 offerings, 2-3 spellings each, 5 token sets (110 cases); only cases with a cache
    # price the catalog does not know drop out.
    assert compared >= 70, compared


async def test_register_model_from_the_url_overrides_the_bundled_map(
    live_client: Client, seeded: SeedInfo
) -> None:
    url = str(live_client.make_url("/v1/export/litellm.json"))
    # The import-time fetch gets a 404 from this server, so litellm starts from its bundled
    # map without going anywhere else; register_model then merges ours over it.
    missing = str(live_client.make_url("/v1/export/none.json"))
    cases = _cases()
    out = await _run_probe("register", url, missing, cases)
    assert out["source"]["source"] == "remote" and out["source"]["url"] == url, out["source"]
    compared = _compare(cases, out["results"], await _estimates(live_client))
    assert compared >= 70, compared
