from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tests.support.seed import SeedInfo, seed_catalog


@pytest.fixture
async def seeded(engine: AsyncEngine) -> SeedInfo:
    return await seed_catalog(engine)


@pytest.fixture
async def conn(engine: AsyncEngine, seeded: SeedInfo) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as connection:
        yield connection
