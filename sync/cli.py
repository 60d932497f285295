"""`effect-models sync`: a foreground run with a progress line per source and a summary.

`--from-dir DIR` reads the four payloads from files (air-gapped installs), in either of
two layouts (FROM_DIR_LAYOUTS): flat files (`models.dev.json`, `openrouter.json`, …) or
the shared-payload folders (`models.dev/api.json`, `openrouter/models.json`,
`huggingface/<name>.json` + `<name>.page2.json`…, `artificialanalysis/models.json`).
Exit codes: 0 succeeded, 3 partial, 1 failed.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from pathlib import Path
from typing import Any, TextIO

from server.core.settings import Settings
from server.core.vocabulary import SOURCES, RunStatus, RunTrigger, Source
from sync.pipeline import RunResult

EXIT_OK, EXIT_FAILURE, EXIT_PARTIAL = 0, 1, 3
# source -> (settings attribute, flat file name, file inside the source's own folder;
# None: the folder's one first page, i.e. a *.json that is not *.pageN.json / *.headers.json)
FROM_DIR_LAYOUTS: dict[str, tuple[str, str, str | None]] = {
    Source.MODELS_DEV: ("models_dev_url", "models.dev.json", "api.json"),  # or models_dev.json
    Source.OPENROUTER: ("openrouter_url", "openrouter.json", "models.json"),
    Source.HUGGINGFACE: ("huggingface_url", "huggingface.json", None),
    Source.ARTIFICIAL_ANALYSIS: (
        "artificial_analysis_url",
        "artificialanalysis.json",
        "models.json",
    ),
}
FROM_DIR_FILES = {attr: flat for attr, flat, _ in FROM_DIR_LAYOUTS.values()}
_NOT_FIRST_PAGE = re.compile(r"\.(page\d+|headers)\.json\Z")
_COLUMNS = ("source", "status", "fetched", "valid", "invalid", "upserted", "unchanged",
            "removed", "unmatched")  # fmt: skip


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--source",
        action="append",
        metavar="NAME",
        help="sync only this source (repeatable): " + ", ".join(SOURCES),
    )
    parser.add_argument(
        "--from-dir",
        type=Path,
        metavar="DIR",
        help="read saved payloads from DIR: flat files ("
        + ", ".join(FROM_DIR_FILES.values())
        + ") or the shared layout (models.dev/api.json, openrouter/models.json, "
        "huggingface/*.json with *.page2.json..., artificialanalysis/models.json)",
    )


def from_dir_settings(
    settings: Settings, directory: Path, sources: list[str] | None = None
) -> Settings:
    """Point the chosen sources' URLs at their files in `directory`; a chosen source with
    no file in either layout is an error naming what was looked for."""
    if not directory.is_dir():
        raise ValueError(f"--from-dir {directory} is not a directory")
    urls = {}
    for source, (attribute, flat, inside) in FROM_DIR_LAYOUTS.items():
        if sources and source not in sources:
            continue
        urls[attribute] = _payload_file(directory, source, flat, inside).resolve().as_uri()
    return settings.with_overrides(**urls)


def _payload_file(directory: Path, source: str, flat: str, inside: str | None) -> Path:
    for name in (flat, flat.replace(".", "_", flat.count(".") - 1)):  # models_dev.json too
        if (directory / name).is_file():
            return directory / name
    folder = directory / source
    if inside is not None and (folder / inside).is_file():
        return folder / inside
    if inside is None and folder.is_dir():
        first_pages = sorted(
            p for p in folder.glob("*.json") if p.is_file() and not _NOT_FIRST_PAGE.search(p.name)
        )
        if len(first_pages) == 1:
            return first_pages[0]
        if first_pages:
            names = ", ".join(p.name for p in first_pages)
            raise ValueError(f"--from-dir: {folder} holds several first pages ({names}); keep one")
    wanted = f"{source}/{inside}" if inside else f"{source}/<name>.json"
    raise ValueError(
        f"--from-dir {directory} has no {source} payload: expected {flat} or {wanted} "
        f"(or leave {source} out with --source)"
    )


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


_EXIT_CODES: dict[str, int] = {RunStatus.SUCCEEDED: EXIT_OK, RunStatus.PARTIAL: EXIT_PARTIAL}


def exit_code(result: RunResult) -> int:
    return _EXIT_CODES.get(result.status, EXIT_FAILURE)


async def run_cli_sync(settings: Settings, sources: list[str] | None) -> RunResult:
    from server.core.database import create_engine
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
            return await service.run(RunTrigger.CLI, sources)
        finally:
            printer.cancel()
    finally:
        await engine.dispose()
