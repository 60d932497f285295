"""A finished sync shows in /metrics as one more observation of the duration histogram."""

from __future__ import annotations

import re

from aiohttp import web
from aiohttp.test_utils import TestClient

from server.core.settings import Settings
from server.http.app import create_app
from sync.interface import SYNC_SERVICE
from tests.conftest import ADMIN_TOKEN
from tests.sync.support import file_settings

_SERIES = re.compile(
    r'^effect_models_sync_duration_seconds_count\{status="succeeded",trigger="admin"\} (\S+)$',
    re.MULTILINE,
)


async def _observed(client: TestClient[web.Request, web.Application]) -> float:
    text = await (await client.get("/metrics")).text()
    found = _SERIES.search(text)
    return float(found.group(1)) if found else 0.0


async def test_admin_sync_is_counted_in_the_duration_histogram(
    aiohttp_client: object, settings: Settings
) -> None:
    app = create_app(file_settings(settings))
    client: TestClient[web.Request, web.Application] = await aiohttp_client(app)  # type: ignore[operator]
    before = await _observed(client)
    started = await client.post(
        "/v1/admin/sync", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    assert started.status == 202
    await app[SYNC_SERVICE].wait_idle()
    assert await _observed(client) == before + 1
