"""The provider's own API decides presence (issue 14 item 5).

When OpenRouter's own API (succeeding) stops listing `openai/gpt-5`, the `openrouter`
offering is removed after the grace period although models.dev's copy of OpenRouter still
lists it; before this rule it stayed active with its source switched to models.dev. A
failed OpenRouter fetch removes nothing, and without any OpenRouter records the copy is
used.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.settings import Settings
from sync.merge import merge
from sync.service import SyncService
from sync.sources import models_dev, openrouter
from tests.sync.support import FIXTURES, file_settings

KEY = ("openrouter", "openai/gpt-5")


def _copy_fixtures(directory: Path) -> Path:
    for name in (
        "models_dev.json",
        "openrouter.json",
        "huggingface.json",
        "artificialanalysis.json",
    ):
        shutil.copy(FIXTURES / name, directory / name)
    return directory


def _drop_from_openrouter(directory: Path, model_id: str) -> None:
    path = directory / "openrouter.json"
    body = json.loads(path.read_text())
    body["data"] = [m for m in body["data"] if m["id"] != model_id]
    path.write_text(json.dumps(body))


async def _offering(engine: AsyncEngine) -> dict[str, Any]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT status, source, missing_syncs FROM offerings "
                    "WHERE provider_id = :p AND provider_model_id = :m"
                ),
                {"p": KEY[0], "m": KEY[1]},
            )
        ).one()
    return dict(row._mapping)


async def _sync(engine: AsyncEngine, settings: Settings, directory: Path) -> str:
    result = await SyncService(engine, file_settings(settings, directory)).run("cli")
    return result.status


async def test_own_api_removal_wins_over_a_copy(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    directory = _copy_fixtures(tmp_path)
    assert await _sync(engine, settings, directory) == "succeeded"
    assert await _offering(engine) == {
        "status": "active",
        "source": "openrouter",
        "missing_syncs": 0,
    }

    _drop_from_openrouter(directory, "openai/gpt-5")  # models.dev's copy still lists it
    assert await _sync(engine, settings, directory) == "succeeded"
    assert await _offering(engine) == {
        "status": "active",
        "source": "openrouter",
        "missing_syncs": 1,
    }
    assert await _sync(engine, settings, directory) == "succeeded"
    assert await _offering(engine) == {
        "status": "removed",
        "source": "openrouter",
        "missing_syncs": 2,
    }
    async with engine.connect() as conn:
        kinds = (
            (
                await conn.execute(
                    text("SELECT kind FROM changes WHERE entity = 'offering' AND entity_id = :e"),
                    {"e": "openrouter:openai/gpt-5"},
                )
            )
            .scalars()
            .all()
        )
    assert "removed" in kinds


async def test_a_failed_own_api_removes_nothing(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    directory = _copy_fixtures(tmp_path)
    assert await _sync(engine, settings, directory) == "succeeded"
    for _ in range(3):
        (directory / "openrouter.json").write_text("not json")
        assert await _sync(engine, settings, directory) == "partial"
    assert await _offering(engine) == {
        "status": "active",
        "source": "openrouter",
        "missing_syncs": 0,
    }


def test_without_own_api_records_the_copy_is_the_offering() -> None:
    md = models_dev.normalize(json.loads((FIXTURES / "models_dev.json").read_text()))
    with_own = merge(
        [md, openrouter.normalize(json.loads((FIXTURES / "openrouter.json").read_text()))]
    )
    assert with_own.offerings[KEY]["source"] == "openrouter"
    only_copy = merge([md, openrouter.normalize({"data": []})])  # never fetched, nothing stored
    assert only_copy.offerings[KEY]["source"] == "models.dev"
    without_gpt5 = openrouter.normalize(
        {
            "data": [
                m
                for m in json.loads((FIXTURES / "openrouter.json").read_text())["data"]
                if m["id"] != KEY[1]
            ]
        }
    )
    assert KEY not in merge([md, without_gpt5]).offerings
