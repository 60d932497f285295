"""The series the alert rules need and the service did not export before issue 15:
consecutive failed syncs, each source's duration in the last run, the schedule's interval,
and the cache-error counter present at 0 before the first error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.tables import sync_runs
from server.http.metrics import schedule_interval_seconds
from tests.integrations.conftest import Client
from tests.support.metrics import sample_value

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _run(minutes: int, status: str, stats: dict[str, Any] | None = None) -> dict[str, Any]:
    started = T0 + timedelta(minutes=minutes)
    return {
        "trigger": "schedule",
        "status": status,
        "started_at": started,
        "finished_at": None if status == "running" else started + timedelta(seconds=30),
        "source_stats": stats or {},
    }


async def _scrape(client: Client) -> str:
    resp = await client.get("/metrics")
    assert resp.status == 200
    return await resp.text()


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], 0),
        (["succeeded"], 0),
        (["failed"], 1),
        (["succeeded", "failed", "failed"], 2),
        (["failed", "succeeded", "failed"], 1),
        (["succeeded", "failed", "abandoned", "failed"], 3),
        (["failed", "failed", "partial"], 0),  # a partial run stored data
        (["succeeded", "failed", "running"], 1),  # a running row is not finished
    ],
)
async def test_consecutive_failures(
    live_client: Client, engine: AsyncEngine, statuses: list[str], expected: int
) -> None:
    if statuses:
        async with engine.begin() as conn:
            rows = [_run(i * 120, status) for i, status in enumerate(statuses)]
            await conn.execute(insert(sync_runs), rows)
    text = await _scrape(live_client)
    assert sample_value(text, "effect_models_sync_consecutive_failures") == expected


async def test_source_durations_of_the_last_finished_run(
    live_client: Client, engine: AsyncEngine
) -> None:
    older = {"openrouter": {"status": "succeeded", "duration_ms": 9000}}
    newest = {
        "models.dev": {"status": "succeeded", "duration_ms": 1250},
        "openrouter": {"status": "failed", "duration_ms": 45000, "error": "timed out"},
        "artificialanalysis": {"status": "skipped"},
    }
    async with engine.begin() as conn:
        await conn.execute(
            insert(sync_runs),
            [_run(0, "succeeded", older), _run(120, "partial", newest), _run(240, "running")],
        )
    text = await _scrape(live_client)
    name = "effect_models_last_sync_source_duration_seconds"
    assert sample_value(text, name, source="models.dev") == 1.25
    assert sample_value(text, name, source="openrouter") == 45.0
    assert sample_value(text, name, source="artificialanalysis") == 0.0
    assert f'{name}{{source="huggingface"}} 0.0' in text


@pytest.mark.parametrize(
    ("cron", "seconds"),
    [
        ("0 */2 * * *", 7200.0),
        ("0 */6 * * *", 21600.0),
        ("*/15 * * * *", 900.0),
        ("0 9,17 * * *", 16 * 3600.0),  # uneven: the longer gap counts
        ("", 0.0),
    ],
)
def test_schedule_interval(cron: str, seconds: float) -> None:
    assert schedule_interval_seconds(cron) == seconds


async def test_schedule_interval_and_cache_errors_are_exported(live_client: Client) -> None:
    text = await _scrape(live_client)
    # The test settings have no schedule.
    assert "effect_models_sync_schedule_interval_seconds 0.0" in text
    for operation in ("get", "set", "over_budget"):
        assert f'effect_models_cache_errors_total{{operation="{operation}"}} 0.0' in text
