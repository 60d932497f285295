"""`effect-models sync --from-dir DIR` with flat files or the shared-payload folder layout
(issue 14 item 2): the files are found, Hugging Face pages `X.json` + `X.page2.json` are
both read, and a missing payload is a clear usage error that changes nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.settings import Settings
from sync.cli import from_dir_settings
from sync.sources.huggingface import next_saved_page
from tests.sync.support import FIXTURES, SHARED


def _shared_layout(root: Path) -> Path:
    """The fixtures laid out like ../shared/upstream, Hugging Face split over two pages."""
    for folder, source, target in (
        ("models.dev", "models_dev.json", "api.json"),
        ("openrouter", "openrouter.json", "models.json"),
        ("artificialanalysis", "artificialanalysis.json", "models.json"),
    ):
        (root / folder).mkdir(parents=True)
        shutil.copy(FIXTURES / source, root / folder / target)
    rows = json.loads((FIXTURES / "huggingface.json").read_text())
    hf = root / "huggingface"
    hf.mkdir()
    (hf / "SAMPLE.json").write_text(json.dumps(rows[:2]))
    (hf / "SAMPLE.page2.json").write_text(json.dumps(rows[2:]))
    (hf / "SAMPLE.headers.json").write_text(json.dumps({"link": "not a payload"}))
    return root


def _sync(directory: Path, database_url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_FORMAT": "text"}
    return subprocess.run(
        [sys.executable, "-m", "server", "sync", "--from-dir", str(directory), *extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_flat_and_shared_layouts_resolve_to_the_same_kind_of_urls(
    settings: Settings, tmp_path: Path
) -> None:
    flat = from_dir_settings(settings, FIXTURES)  # models_dev.json, openrouter.json, ...
    assert flat.models_dev_url == (FIXTURES / "models_dev.json").resolve().as_uri()
    assert flat.huggingface_url == (FIXTURES / "huggingface.json").resolve().as_uri()
    shared = from_dir_settings(settings, _shared_layout(tmp_path))
    assert shared.models_dev_url.endswith("/models.dev/api.json")
    assert shared.openrouter_url.endswith("/openrouter/models.json")
    assert shared.huggingface_url.endswith("/huggingface/SAMPLE.json")
    assert shared.artificial_analysis_url.endswith("/artificialanalysis/models.json")
    assert (
        next_saved_page(shared.huggingface_url)
        == (tmp_path / "huggingface" / "SAMPLE.page2.json").as_uri()
    )
    assert next_saved_page((tmp_path / "huggingface" / "SAMPLE.page2.json").as_uri()) is None


def test_missing_payload_names_what_was_looked_for(settings: Settings, tmp_path: Path) -> None:
    directory = _shared_layout(tmp_path)
    shutil.rmtree(directory / "openrouter")
    with pytest.raises(
        ValueError,
        match=r"no openrouter payload: expected openrouter.json or openrouter/models.json",
    ):
        from_dir_settings(settings, directory)
    chosen = from_dir_settings(settings, directory, ["models.dev"])  # openrouter not asked for
    assert chosen.models_dev_url.endswith("/models.dev/api.json")
    (directory / "huggingface" / "OTHER.json").write_text("[]")
    with pytest.raises(ValueError, match="several first pages"):
        from_dir_settings(settings, directory, ["huggingface"])


def test_cli_loads_the_shared_layout(database_url: str, tmp_path: Path) -> None:
    result = _sync(_shared_layout(tmp_path), database_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "succeeded" in result.stdout
    # all 3 Hugging Face rows, two from the first page and one from page 2
    assert any(
        line.split()[:3] == ["huggingface", "succeeded", "3"] for line in result.stdout.splitlines()
    ), result.stdout


async def test_cli_refuses_a_folder_without_payloads(
    database_url: str, tmp_path: Path, engine: AsyncEngine
) -> None:
    result = _sync(tmp_path, database_url)
    assert result.returncode == 2
    assert "no models.dev payload" in result.stderr
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM sync_runs")) == 0


@pytest.mark.shared
@pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} is absent")
async def test_cli_loads_the_real_shared_folder(database_url: str, engine: AsyncEngine) -> None:
    result = _sync(SHARED, database_url)
    assert result.returncode == 0, result.stdout + result.stderr
    async with engine.connect() as conn:
        hf = await conn.scalar(
            text("SELECT count(*) FROM source_records WHERE source = 'huggingface'")
        )
        offerings = await conn.scalar(text("SELECT count(*) FROM offerings"))
    assert hf == 182  # 100 + 82 rows over the two sample pages
    assert offerings and offerings > 5000
