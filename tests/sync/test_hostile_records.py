"""Hostile records are counted invalid, never stored and never fatal: a negative models.dev
price, ids and names too long for a btree index entry, duplicate ids (which used to reach
source_records twice and fail the whole upsert), NUL characters anywhere in a record
(PostgreSQL text and jsonb cannot hold one: a single such record failed the whole write)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.limits import MAX_RECORD_TEXT_LENGTH
from server.core.settings import Settings
from sync.service import SyncService
from sync.sources import huggingface, models_dev, openrouter
from tests.sync.support import FIXTURES, file_settings


def _models_dev(models: dict[str, Any]) -> dict[str, Any]:
    return {"acme": {"id": "acme", "name": "Acme", "models": models}}


def _md_model(name: str, cost: dict[str, Any]) -> dict[str, Any]:
    return {"id": name, "name": name, "cost": cost, "limit": {"context": 1000, "output": 100}}


def _or_model(model_id: str, name: str = "Model", prompt: str = "0.000001") -> dict[str, Any]:
    return {"id": model_id, "name": name, "pricing": {"prompt": prompt, "completion": prompt}}


def test_negative_models_dev_price_is_invalid() -> None:
    result = models_dev.normalize(
        _models_dev({"ok": _md_model("ok", {"input": 1}), "neg": _md_model("neg", {"input": -5})})
    )
    assert [i.external_id for i in result.items] == ["acme/ok"]
    assert result.invalid == 1
    assert "cost.input is negative" in result.invalid_examples[0]


def test_too_long_ids_and_names_are_invalid_and_not_kept_as_raw() -> None:
    assert MAX_RECORD_TEXT_LENGTH < 600
    long_id = "acme/" + "y" * 600
    result = openrouter.normalize(
        {
            "data": [
                _or_model("acme/ok"),
                _or_model(long_id),
                _or_model("acme/long-name", name="x" * 600),
            ]
        }
    )
    assert [i.external_id for i in result.items] == ["acme/ok"]
    assert result.invalid == 2
    assert long_id not in {r.external_id for r in result.raw}
    assert all(len(example) < 200 for example in result.invalid_examples)


def test_duplicate_ids_keep_the_first_record_once() -> None:
    rows = [{"id": "acme/m", "downloads": 1}, {"id": "acme/m", "downloads": 2}]
    result = huggingface.normalize(rows)
    assert [r.payload["downloads"] for r in result.raw] == [1]
    assert len(result.items) == 1 and result.invalid == 1


def test_records_holding_a_nul_anywhere_are_invalid() -> None:
    rows = [
        _or_model("acme/ok"),
        _or_model("acme/in-name", name="bad\x00name"),
        {**_or_model("acme/nested"), "architecture": {"tags": ["x", "y\x00"]}},
        {**_or_model("acme/in-key"), "extra": {"k\x00": 1}},
        _or_model("acme/in-id\x00"),
    ]
    result = openrouter.normalize({"data": rows})
    assert [i.external_id for i in result.items] == ["acme/ok"]
    assert [r.external_id for r in result.raw] == ["acme/ok"]
    assert result.invalid == 4
    assert not any("\x00" in example for example in result.invalid_examples)
    assert "acme/in-id\\0: contains a NUL character" in result.invalid_examples

    md = models_dev.normalize(
        _models_dev({"ok": _md_model("ok", {"input": 1}), "nul": _md_model("n\x00l", {})})
    )
    assert [i.external_id for i in md.items] == ["acme/ok"]
    assert md.invalid == 1


async def test_a_nul_record_upstream_does_not_fail_the_sync(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    for fixture in FIXTURES.iterdir():
        shutil.copy(fixture, tmp_path / fixture.name)
    payload = json.loads((tmp_path / "openrouter.json").read_text())
    good = len(payload["data"])
    payload["data"].append(_or_model("acme/nul", name="bad\x00name"))
    (tmp_path / "openrouter.json").write_text(json.dumps(payload))

    result = await SyncService(engine, file_settings(settings, tmp_path)).run("cli")

    assert result.status == "succeeded", result.message
    assert result.source_stats["openrouter"]["invalid"] == 1
    async with engine.connect() as conn:
        stored = await conn.scalar(
            text("SELECT count(*) FROM source_records WHERE source = 'openrouter'")
        )
    assert stored == good
