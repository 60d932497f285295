"""The real litellm loads /v1/export/litellm.json from a running server and prices token
counts exactly as GraphQL's estimateCost does (issue 15), on the seed catalog.

litellm runs in a child process (litellm_probe.py), the way a deployment uses it:
LITELLM_MODEL_COST_MAP_URL is read once, at import. Skipped, with the reason, when litellm
is not installed (`pip install -e '.[integrations]'`; `make dev` does).
"""

from __future__ import annotations

from typing import Any

import pytest

from server.core.export.litellm_providers import BARE_NAME_PROVIDERS, LITELLM_PROVIDERS
from tests.integrations.conftest import Client
from tests.integrations.litellm_support import (
    MISSING,
    SMALL_MAP_ENV,
    OfferingKey,
    cases_for,
    compare,
    estimates,
    run_probe,
)
from tests.support.seed import OFFERINGS, SeedInfo

pytestmark = pytest.mark.skipif(MISSING is not None, reason=str(MISSING))


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
    """Every exported key (prefixed, and bare where LiteLLM uses bare names), and the model
    id with custom_llm_provider, as LiteLLM's callers spell them."""
    lookups: list[tuple[str, str | None, OfferingKey]] = []
    for o in _exported_offerings():
        provider = LITELLM_PROVIDERS[o["provider_id"]]
        offering = (o["model_id"], o["provider_id"], o["provider_model_id"])
        lookups.append((f"{provider}/{o['provider_model_id']}", None, offering))
        lookups.append((o["provider_model_id"], provider, offering))
        if o["provider_id"] in BARE_NAME_PROVIDERS:
            lookups.append((o["provider_model_id"], None, offering))
    return cases_for(lookups)


def _model_ids() -> set[str]:
    return {o["model_id"] for o in _exported_offerings()}


async def test_litellm_loads_the_map_from_the_server_and_agrees_with_estimate_cost(
    live_client: Client, seeded: SeedInfo
) -> None:
    url = str(live_client.make_url("/v1/export/litellm.json"))
    cases = _cases()
    out = await run_probe("env", url, url, cases, SMALL_MAP_ENV)
    assert out["source"]["source"] == "remote", out["source"]
    assert out["source"]["url"] == url
    unknown = {name: got for name, got in out["resolved"].items() if got != name}
    assert not unknown, f"litellm does not route these names to themselves: {unknown}"
    compared = compare(cases, out["results"], await estimates(live_client, _model_ids()))
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
    out = await run_probe("register", url, missing, cases, SMALL_MAP_ENV)
    assert out["source"]["source"] == "remote" and out["source"]["url"] == url, out["source"]
    compared = compare(cases, out["results"], await estimates(live_client, _model_ids()))
    assert compared >= 70, compared
