"""Fixtures for the tests that drive real outside tools (LiteLLM, promtool, Prometheus)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.seed import SeedInfo, seed_catalog

Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def seeded(engine: AsyncEngine) -> SeedInfo:
    return await seed_catalog(engine)


@pytest.fixture
async def live_client(aiohttp_client: Any, app: web.Application) -> Client:
    """The real app on a real loopback port (aiohttp's test server), reachable by other
    processes at str(client.make_url(path))."""
    return await aiohttp_client(app)  # type: ignore[no-any-return]
