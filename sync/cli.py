"""`effect-models sync`: a foreground run with a progress line per source and a summary.

`--from-dir DIR` reads the four payloads from files (air-gapped installs):
FROM_DIR_FILES below names them. Exit codes: 0 succeeded, 3 partial, 1 failed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any, TextIO

from server.settings import Settings
from sync.pipeline import RunResult

EXIT_OK, EXIT_FAILURE, EXIT_PARTIAL = 0, 1, 3
# settings attribute -> file name expected in --from-dir
FROM_DIR_FILES = {
    "models_dev_url": "models.dev.json",
    "openrouter_url": "openrouter.json",
    "huggingface_url": "huggingface.json",
    "artificial_analysis_url": "artificialanalysis.json",
}
_COLUMNS = ("source", "status", "fetched", "valid", "invalid", "upserted", "unchanged",
            "removed", "unmatched")  # fmt: skip


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--source",
        action="append",
        metavar="NAME",
        help="sync only this source (repeatable): models.dev, openrouter, huggingface, "
        "artificialanalysis",
    )
    parser.add_argument(
        "--from-dir",
        type=Path,
        metavar="DIR",
        help="read payloads from DIR: " + ", ".join(FROM_DIR_FILES.values()),
    )


def from_dir_settings(settings: Settings, directory: Path) -> Settings:
    if not directory.is_dir():
        raise ValueError(f"--from-dir {directory} is not a directory")
    urls = {a: (directory / n).resolve().as_uri() for a, n in FROM_DIR_FILES.items()}
    return settings.with_overrides(**urls)


def print_progress(source: str, stats: dict[str, Any], out: TextIO = sys.stdout) -> None:
    line = f"  {source:<20} {stats.get('status', '?'):<10} fetched {stats.get('fetched', 0)}"
    if stats.get("invalid"):
        line += f", invalid {stats['invalid']}"
    if stats.get("error"):
        line += f" - {stats['error']}"
    print(line, file=out, flush=True)


def print_summary(result: RunResult, out: TextIO = sys.stdout) -> None:
    rows = [[str(c) for c in _COLUMNS]]
    for source, stats in result.source_stats.items():
        rows.append([source, *(str(stats.get(c, "")) for c in _COLUMNS[1:])])
    widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)), file=out)
    print(f"sync run {result.run_id}: {result.status} - {result.message}", file=out)


def exit_code(result: RunResult) -> int:
    return {"succeeded": EXIT_OK, "partial": EXIT_PARTIAL}.get(result.status, EXIT_FAILURE)


async def run_cli_sync(settings: Settings, sources: list[str] | None) -> RunResult:
    from server.database import create_engine
    from sync.service import SyncService, validate_sources

    validate_sources(sources)
    assert settings.database_url is not None
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        service = SyncService(engine, settings)
        events = service.events()

        async def show_progress() -> None:
            async for event in events:
                if event.kind == "source_finished" and event.source:
                    print_progress(event.source, event.stats)

        printer = asyncio.create_task(show_progress())
        await asyncio.sleep(0)  # let the printer subscribe before the run starts
        try:
            return await service.run("cli", sources)
        finally:
            printer.cancel()
    finally:
        await engine.dispose()
