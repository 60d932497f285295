"""Diff + write against real PostgreSQL: change events, grace period, no-op re-sync."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.settings import Settings
from sync.pipeline import RunResult
from sync.service import SyncService
from tests.sync.support import FIXTURES, file_settings

_KINDS = "SELECT entity, kind FROM changes WHERE sync_run_id = {} ORDER BY entity"
_OPENROUTER_ROWS = (
    "SELECT xmin::text, * FROM offerings WHERE provider_id = 'openrouter' ORDER BY id"
)
_TOTAL = "SELECT total_changed FROM sync_runs WHERE id = {}"


def _copy_fixtures(tmp_path: Path) -> Path:
    for name in (
        "models_dev.json",
        "openrouter.json",
        "huggingface.json",
        "artificialanalysis.json",
    ):
        shutil.copy(FIXTURES / name, tmp_path / name)
    return tmp_path


def _edit_openrouter(directory: Path, edit: Any) -> None:
    path = directory / "openrouter.json"
    doc = json.loads(path.read_text())
    edit(doc["data"])
    path.write_text(json.dumps(doc))


async def _rows(engine: AsyncEngine, sql: str) -> list[Any]:
    async with engine.connect() as conn:
        return [tuple(r) for r in await conn.execute(text(sql))]


async def _sync(engine: AsyncEngine, settings: Settings) -> RunResult:
    result = await SyncService(engine, settings).run("cli")
    assert result.status in ("succeeded", "partial"), result.message
    return result


async def test_no_change_resync_writes_no_rows(engine: AsyncEngine, settings: Settings) -> None:
    s = file_settings(settings)
    await _sync(engine, s)
    snapshot = (
        "SELECT xmin::text FROM models UNION ALL SELECT xmin::text FROM offerings "
        "UNION ALL SELECT xmin::text FROM source_records ORDER BY 1"
    )
    before = await _rows(engine, snapshot)
    second = await _sync(engine, s)
    assert second.changes == 0
    assert await _rows(engine, snapshot) == before  # not a single row rewritten
    assert await _rows(engine, "SELECT version FROM catalog_state") == [(1,)]
    assert await _rows(engine, _TOTAL.format(second.run_id)) == [(0,)]


async def test_price_change_event(engine: AsyncEngine, settings: Settings, tmp_path: Path) -> None:
    directory = _copy_fixtures(tmp_path)
    s = file_settings(settings, directory)
    await _sync(engine, s)

    def raise_price(data: list[dict[str, Any]]) -> None:
        data[0]["pricing"]["prompt"] = "0.000002"

    _edit_openrouter(directory, raise_price)
    result = await _sync(engine, s)
    events = await _rows(
        engine,
        "SELECT entity, entity_id, kind, field, old_value, new_value, model_id, provider_id "
        f"FROM changes WHERE sync_run_id = {result.run_id}",
    )
    assert events == [
        (
            "offering",
            "openrouter:openai/gpt-5",
            "price_changed",
            "input_price",
            "1.25",
            "2",
            "openai/gpt-5",
            "openrouter",
        )
    ]
    price = await _rows(engine, "SELECT cheapest_input_price FROM models WHERE id = 'openai/gpt-5'")
    assert str(price[0][0]) == "1.25"  # OpenAI's own offering is still the cheapest


async def test_removal_after_grace_then_restore(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    directory = _copy_fixtures(tmp_path)
    s = file_settings(settings, directory)
    await _sync(engine, s)
    original = json.loads((directory / "openrouter.json").read_text())
    _edit_openrouter(directory, lambda data: data.pop())  # openrouter/auto disappears
    status = (
        "SELECT status, missing_syncs FROM offerings WHERE provider_model_id = 'openrouter/auto'"
    )
    first_miss = await _sync(engine, s)
    assert await _rows(engine, status) == [("active", 1)]
    assert first_miss.changes == 0
    second_miss = await _sync(engine, s)
    assert await _rows(engine, status) == [("removed", 2)]
    kinds = await _rows(engine, _KINDS.format(second_miss.run_id))
    assert ("offering", "removed") in kinds and ("model", "removed") in kinds
    (directory / "openrouter.json").write_text(json.dumps(original))
    back = await _sync(engine, s)
    assert await _rows(engine, status) == [("active", 0)]
    kinds = await _rows(engine, _KINDS.format(back.run_id))
    assert kinds == [("model", "restored"), ("offering", "restored")]


async def test_failed_source_leaves_its_data_untouched(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    directory = _copy_fixtures(tmp_path)
    s = file_settings(settings, directory)
    await _sync(engine, s)
    before = await _rows(engine, _OPENROUTER_ROWS)
    (directory / "openrouter.json").write_text('{"data": [')  # truncated JSON
    result = await _sync(engine, s)
    assert result.status == "partial"
    assert "openrouter" in result.message and "invalid JSON" in result.message
    assert result.source_stats["openrouter"]["status"] == "failed"
    after = await _rows(engine, _OPENROUTER_ROWS)
    assert after == before
    run = await _rows(engine, f"SELECT status, message FROM sync_runs WHERE id = {result.run_id}")
    assert run[0][0] == "partial" and "invalid JSON" in run[0][1]


async def test_a_score_that_disappears_upstream_is_a_change_to_null(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    directory = _copy_fixtures(tmp_path)
    s = file_settings(settings, directory)
    await _sync(engine, s)
    path = directory / "artificialanalysis.json"
    doc = json.loads(path.read_text())
    doc["data"][0]["evaluations"]["gpqa"] = None  # gpt-oss-120b (high): no longer reported
    path.write_text(json.dumps(doc))
    result = await _sync(engine, s)
    events = await _rows(
        engine,
        "SELECT entity, entity_id, kind, field, old_value, new_value, model_id "
        f"FROM changes WHERE sync_run_id = {result.run_id}",
    )
    assert events == [
        (
            "score",
            "openai/gpt-oss-120b/artificialanalysis/gpqa/",
            "score_changed",
            "gpqa",
            "0.782",
            None,
            "openai/gpt-oss-120b",
        )
    ]
    left = await _rows(engine, "SELECT count(*) FROM scores WHERE metric = 'gpqa'")
    assert left == [(0,)]
