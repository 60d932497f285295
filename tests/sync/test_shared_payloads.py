"""Full syncs of the real payloads in ../shared/upstream (skipped when absent)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.settings import Settings
from sync.service import SyncService
from tests.sync.support import SHARED, file_settings

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} is absent"),
]


def _payload_dir(tmp_path: Path, openrouter: str, aa: str) -> Path:
    """The file names tests/sync/support.py expects, linked to the shared payloads."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "models_dev.json").symlink_to(SHARED / "models.dev" / "api.json")
    (tmp_path / "openrouter.json").symlink_to(SHARED / "openrouter" / openrouter)
    (tmp_path / "artificialanalysis.json").symlink_to(SHARED / "artificialanalysis" / aa)
    pages = ("SAMPLE-not-real.json", "SAMPLE-not-real.page2.json")
    rows = [r for page in pages for r in json.loads((SHARED / "huggingface" / page).read_text())]
    (tmp_path / "huggingface.json").write_text(json.dumps(rows))
    return tmp_path


async def _rows(engine: AsyncEngine, sql: str) -> list[tuple[Any, ...]]:
    async with engine.connect() as conn:
        return [tuple(r) for r in await conn.execute(text(sql))]


async def test_full_sync_links_sources(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    directory = _payload_dir(tmp_path, "models.json", "models.json")
    result = await SyncService(engine, file_settings(settings, directory)).run("cli")
    assert result.status == "succeeded", result.message
    assert await _rows(engine, "SELECT count(*) FROM providers") == [(147,)]
    offerings = await _rows(engine, "SELECT count(*) FROM offerings WHERE source = 'models.dev'")
    assert offerings[0][0] > 4900
    stats = result.source_stats
    assert stats["openrouter"]["linked"]["exact"] >= 327  # models.dev's openrouter entries
    assert sum(stats["openrouter"]["linked"].values()) == 337
    assert stats["huggingface"]["linked"]["hf-id"] >= 160
    aa_linked = sum(stats["artificialanalysis"]["linked"].values())
    assert aa_linked + stats["artificialanalysis"]["unmatched"] == 589
    assert aa_linked >= 389  # 337 before the AA rules of sync/aa_match.py, 382 before issue 16
    # every override names a model the catalog has (a stale entry would link nothing)
    table = Path(__file__).resolve().parents[2] / "sync" / "data" / "overrides.json"
    overrides = json.loads(table.read_text())["artificialanalysis"]
    assert stats["artificialanalysis"]["linked"]["override"] == len(overrides)
    await _check_one_model_per_lab_model(engine)
    print("link counts:", {s: (v.get("linked"), v.get("unmatched")) for s, v in stats.items()})


async def _check_one_model_per_lab_model(engine: AsyncEngine) -> None:
    """Hosts' spellings of lab models join them (measured: 2,216 canonical models and 889
    under a host's id before the host-id rules, 1,493 and 425 after, 1,374 and 338 after
    issue 16's identity rules)."""
    [(models,)] = await _rows(engine, "SELECT count(*) FROM models")
    [(host_created,)] = await _rows(
        engine,
        "SELECT count(*) FROM models m JOIN providers p ON p.id = m.creator_id "
        "WHERE p.kind = 'host'",
    )
    print("canonical models:", models, "under a host id:", host_created)
    assert models <= 1420
    assert host_created / models <= 0.26
    variant_ids = await _rows(engine, "SELECT id FROM models WHERE id ~ ':(free|thinking)$'")
    assert variant_ids == []
    bedrock = await _rows(
        engine,
        "SELECT model_id FROM offerings WHERE provider_id = 'amazon-bedrock' "
        "AND provider_model_id = 'us.anthropic.claude-opus-4-1-20250805-v1:0'",
    )
    assert bedrock == [("anthropic/claude-opus-4-1-20250805",)]
    alias_rows = await _rows(engine, "SELECT id, alias_of FROM models WHERE alias_of IS NOT NULL")
    aliases = {str(alias): str(target) for alias, target in alias_rows}
    assert aliases["anthropic/claude-sonnet-4-0"] == "anthropic/claude-sonnet-4-20250514"
    assert aliases["deepseek/deepseek-chat"] == "deepseek/deepseek-v3.2"
    method_rows = await _rows(engine, "SELECT match_method, count(*) FROM external_ids GROUP BY 1")
    methods = {str(method): int(str(count)) for method, count in method_rows}
    assert methods["minted"] > 1000 and methods["exact"] > 500  # new ids vs shared/lab ids


async def test_older_then_newer_snapshots_give_the_right_events(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    old_dir = _payload_dir(tmp_path / "old", "models.2026-05-15.json", "models.2026-07-09.json")
    new_dir = _payload_dir(tmp_path / "new", "models.json", "models.json")
    await SyncService(engine, file_settings(settings, old_dir)).run("cli")
    new = file_settings(settings, new_dir)
    first = await SyncService(engine, new).run("cli")
    second = await SyncService(engine, new).run("cli")
    old_ids = {
        r["id"]
        for r in json.loads((SHARED / "openrouter/models.2026-05-15.json").read_text())["data"]
    }
    new_ids = {r["id"] for r in json.loads((SHARED / "openrouter/models.json").read_text())["data"]}
    kinds = dict(
        await _rows(
            engine,
            f"SELECT kind, count(*) FROM changes WHERE sync_run_id = {first.run_id} "
            "AND provider_id = 'openrouter' AND entity = 'offering' GROUP BY kind",
        )
    )
    # OpenRouter's own API decides which `openrouter` offerings exist: models.dev's copy
    # of its list (same file both times) neither adds nor keeps one (issue 14 item 5).
    assert kinds.get("added") == len(new_ids - old_ids)
    assert kinds.get("price_changed", 0) > 0
    assert "removed" not in kinds  # the grace period: one miss is not a removal
    removed = await _rows(
        engine,
        f"SELECT count(*) FROM changes WHERE sync_run_id = {second.run_id} "
        "AND provider_id = 'openrouter' AND kind = 'removed'",
    )
    assert removed == [(len(old_ids - new_ids),)]
