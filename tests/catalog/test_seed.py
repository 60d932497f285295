"""The shared seed inserts what its docstring promises."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.tables import catalog_state, external_ids, models, offerings
from tests.support.seed import seed_catalog


async def test_seed_inserts_documented_catalog(engine: AsyncEngine) -> None:
    info = await seed_catalog(engine)
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(models)) == 10
        assert await conn.scalar(select(func.count()).select_from(offerings)) == 12
        sources = set((await conn.execute(select(external_ids.c.source).distinct())).scalars())
        version = await conn.scalar(select(catalog_state.c.version))
    assert sources == {"models.dev", "openrouter", "huggingface", "artificialanalysis"}
    assert info.catalog_version == version == 1
    assert len(info.run_ids) == 2
    assert info.removed_model_id not in info.visible_model_ids
