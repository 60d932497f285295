"""The real catalog (a full sync of ../shared/upstream) exported to the real litellm with its
DEFAULT integrity checks: the map must be accepted as a whole replacement (it refuses a map
under half the size of its bundled one), and a spread sample of offerings must cost what
estimateCost says. Skipped when ../shared is absent or litellm is not installed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.export.litellm import keys, listed_offerings, skip_reason
from server.core.settings import Settings
from sync.service import SyncService
from tests.integrations.conftest import Client
from tests.integrations.litellm_support import (
    MISSING,
    OfferingKey,
    cases_for,
    compare,
    estimates,
    run_probe,
)
from tests.sync.support import SHARED, file_settings
from tests.sync.test_shared_payloads import _payload_dir

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} is absent"),
    pytest.mark.skipif(MISSING is not None, reason=str(MISSING)),
]
SAMPLE = 150


async def _sample(engine: AsyncEngine) -> list[tuple[str, str | None, OfferingKey]]:
    """Every n-th exported offering (stable order), looked up by its first key."""
    async with engine.connect() as conn:
        rows = [r for r in await listed_offerings(conn) if skip_reason(r) is None]
    step = max(1, len(rows) // SAMPLE)
    return [
        (keys(r)[0], None, (r.model_id, r.provider_id, r.provider_model_id)) for r in rows[::step]
    ]


async def test_full_catalog_replaces_litellms_map_and_agrees_with_estimate_cost(
    aiohttp_client: Any,
    live_client: Client,
    engine: AsyncEngine,
    settings: Settings,
    tmp_path: Path,
) -> None:
    directory = _payload_dir(tmp_path, "models.json", "models.json")
    result = await SyncService(engine, file_settings(settings, directory)).run("cli")
    assert result.status == "succeeded", result.message
    url = str(live_client.make_url("/v1/export/litellm.json"))
    exported = await (await live_client.get("/v1/export/litellm.json")).json()
    lookups = await _sample(engine)
    cases = cases_for(lookups)
    out = await run_probe("env", url, url, cases)  # no relaxed integrity settings
    assert out["source"]["source"] == "remote", (len(exported), out["source"])
    compared = compare(
        cases, out["results"], await estimates(live_client, {k[2][0] for k in lookups})
    )
    assert compared >= len(lookups) * 2, compared
    print(f"litellm export: {len(exported)} keys; {compared} of {len(cases)} costs compared")
