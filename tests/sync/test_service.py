"""SyncService end to end on the small hand-written fixtures (file:// upstreams)."""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.settings import Settings
from sync.interface import SyncAlreadyRunning, SyncStarted
from sync.service import SyncService
from tests.sync.support import FIXTURE_FILES, FIXTURES, file_settings


async def _scalar(engine: AsyncEngine, sql: str) -> object:
    async with engine.connect() as conn:
        return await conn.scalar(text(sql))


async def test_run_stores_the_merged_catalog(engine: AsyncEngine, settings: Settings) -> None:
    service = SyncService(engine, file_settings(settings), replica_id="test-replica")
    result = await service.run("cli")
    assert result.status == "succeeded", result.message
    assert await _scalar(engine, "SELECT count(*) FROM providers") == 4
    row = await _scalar(engine, f"SELECT status FROM sync_runs WHERE id = {result.run_id}")
    assert row == "succeeded"
    assert await _scalar(engine, "SELECT replica_id FROM sync_runs") == "test-replica"
    assert await _scalar(engine, "SELECT version FROM catalog_state") == 1
    # OpenRouter's own API wins for its offering: 1.25 per 1M, not models.dev's 1.5 copy.
    price = await _scalar(
        engine,
        "SELECT input_price FROM offerings WHERE provider_id = 'openrouter' "
        "AND provider_model_id = 'openai/gpt-5'",
    )
    assert str(price) == "1.25"


async def test_a_sync_that_writes_refreshes_the_planner_statistics(
    engine: AsyncEngine, settings: Settings
) -> None:
    async with engine.begin() as conn:  # as after a fresh migration: no statistics at all
        await conn.execute(text("TRUNCATE models, offerings, providers CASCADE"))
    sql = "SELECT reltuples FROM pg_class WHERE relname = 'models'"
    assert await _scalar(engine, sql) in (-1, 0)  # -1: never analyzed
    result = await SyncService(engine, file_settings(settings)).run("cli")
    assert result.status == "succeeded", result.message
    models = await _scalar(engine, "SELECT count(*) FROM models")
    assert models and await _scalar(engine, sql) == models


async def test_trigger_returns_at_once_and_a_second_trigger_is_refused(
    engine: AsyncEngine, settings: Settings
) -> None:
    service = SyncService(engine, file_settings(settings))
    first = await service.trigger("admin")
    second = await service.trigger("admin")
    assert isinstance(first, SyncStarted)
    assert second == SyncAlreadyRunning(first.run_id)
    await service.wait_idle()
    assert await _scalar(engine, f"SELECT status FROM sync_runs WHERE id = {first.run_id}") == (
        "succeeded"
    )


async def test_commit_listener_and_events(engine: AsyncEngine, settings: Settings) -> None:
    service = SyncService(engine, file_settings(settings))
    seen: list[tuple[int, int]] = []

    async def listener(run_id: int, version: int) -> None:
        seen.append((run_id, version))

    service.add_commit_listener(listener)
    events = service.events()
    first_event = asyncio.ensure_future(events.__anext__())
    await asyncio.sleep(0)
    result = await service.run("admin")
    assert seen == [(result.run_id, 1)]
    assert (await first_event).kind == "run_started"
    await events.aclose()


async def test_finish_listener_sees_every_run_with_trigger_status_and_duration(
    engine: AsyncEngine, settings: Settings
) -> None:
    service = SyncService(engine, file_settings(settings))
    finished: list[tuple[str, str, float]] = []
    service.add_finish_listener(
        lambda trigger, r, seconds: finished.append((trigger, r.status, seconds))
    )
    await service.run("cli")
    started = await service.trigger("schedule")
    assert isinstance(started, SyncStarted)
    await service.wait_idle()
    assert [(t, s) for t, s, _ in finished] == [("cli", "succeeded"), ("schedule", "succeeded")]
    assert all(seconds > 0 for _, _, seconds in finished)


async def test_unknown_source_is_a_value_error(engine: AsyncEngine, settings: Settings) -> None:
    service = SyncService(engine, file_settings(settings))
    with pytest.raises(ValueError, match="unknown source"):
        await service.trigger("admin", ["models.dev", "nope"])
    assert await _scalar(engine, "SELECT count(*) FROM sync_runs") == 0


async def test_failed_and_partial_runs_are_logged_as_error_and_warning(
    engine: AsyncEngine, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for name in FIXTURE_FILES.values():
        shutil.copy(FIXTURES / name, tmp_path / name)
    (tmp_path / "openrouter.json").write_text("not json")
    caplog.set_level(logging.INFO, logger="sync.service")
    partial = await SyncService(engine, file_settings(settings, tmp_path)).run("cli")
    for name in FIXTURE_FILES.values():
        (tmp_path / name).write_text("not json")
    failed = await SyncService(engine, file_settings(settings, tmp_path)).run("cli")
    assert (partial.status, failed.status) == ("partial", "failed")
    levels = {
        r.getMessage().split(":")[0]: r.levelno
        for r in caplog.records
        if r.getMessage().startswith("sync run ")
    }
    assert levels[f"sync run {partial.run_id} partial"] == logging.WARNING
    assert levels[f"sync run {failed.run_id} failed"] == logging.ERROR
