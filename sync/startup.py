"""First run: sync once when the catalog is empty at start-up, and say what happened.

Runs in every APP_ENV unless SYNC_ON_STARTUP=false (independent of SYNC_CRON). The log
tells a newcomer, in order: that the catalog is empty and a sync starts; one line per
source; one line with what the catalog now holds. When no upstream answers (offline,
air-gapped), one WARNING line says so and gives the command that loads saved payloads.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.vocabulary import RunStatus, RunTrigger, Source, SourceStatus
from sync.pipeline import RunResult
from sync.service import SyncService

log = logging.getLogger(__name__)

OFFLINE_HINT = (
    "to load saved payloads instead, run: effect-models sync --from-dir DIR "
    "(DIR as ../shared/upstream, or flat models.dev.json, openrouter.json, ...; "
    "see README 'Sync')"
)
_COUNTS = text(
    "SELECT (SELECT count(*) FROM models WHERE status <> 'removed'), "
    "(SELECT count(*) FROM offerings WHERE status <> 'removed'), "
    "(SELECT count(*) FROM offerings WHERE status <> 'removed' AND listing_kind = 'paid'), "
    "(SELECT count(*) FROM providers)"
)


async def catalog_is_empty(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        return not await conn.scalar(text("SELECT EXISTS (SELECT 1 FROM models)"))


async def sync_if_empty(service: SyncService, engine: AsyncEngine) -> RunResult | None:
    """The start-up sync; None when the catalog already had models. Never raises."""
    try:
        if not await catalog_is_empty(engine):
            return None
        log.info(
            "catalog is empty: syncing once from the upstreams now "
            "(SYNC_ON_STARTUP=false turns this off)"
        )
        result = await service.run(RunTrigger.STARTUP)
        await _report(result, engine)
        return result
    except asyncio.CancelledError:
        log.warning("start-up sync cancelled: the process is shutting down")
        raise
    except Exception as exc:  # never take the app down for this
        log.warning("start-up sync failed: %s: %s", type(exc).__name__, exc)
        return None


async def _report(result: RunResult, engine: AsyncEngine) -> None:
    if result.status == "already_running":
        log.info("start-up sync: another replica is syncing (run %s)", result.held_by)
        return
    stats = result.source_stats
    if stats and not any(s.get("status") == SourceStatus.SUCCEEDED for s in stats.values()):
        # The one line of a start without network (the run is also in the sync history).
        log.warning(
            "start-up sync: no upstream could be reached (%s); the catalog stays empty; %s",
            _first_error(stats),
            OFFLINE_HINT,
        )
        return
    for source, entry in stats.items():
        level = logging.WARNING if entry.get("status") == SourceStatus.FAILED else logging.INFO
        log.log(level, "start-up sync: %s", source_line(source, entry))
    models, offerings, paid, providers = await _counts(engine)
    ok = result.status == RunStatus.SUCCEEDED
    log.log(
        logging.INFO if ok else logging.WARNING,
        "start-up sync %s: the catalog now holds %d models, %d offerings (%d paid) "
        "from %d providers%s",
        result.status,
        models,
        offerings,
        paid,
        providers,
        "" if ok or stats else f" ({result.message})",  # no per-source line said why
    )


def source_line(source: str, entry: dict[str, Any]) -> str:
    status = entry.get("status", "?")
    seconds = int(entry.get("duration_ms") or 0) / 1000
    if status == SourceStatus.SUCCEEDED:
        return (
            f"{source} ok: {entry.get('fetched', 0)} records fetched, "
            f"{entry.get('upserted', 0)} stored, {entry.get('invalid', 0)} invalid "
            f"({seconds:.1f} s)"
        )
    return f"{source} {status}: {entry.get('error') or 'no reason given'} ({seconds:.1f} s)"


def _first_error(stats: dict[str, dict[str, Any]]) -> str:
    """One failed source's reason, models.dev's first: the others usually say the same."""
    failed = sorted(
        (source != Source.MODELS_DEV, source)
        for source, e in stats.items()
        if e["status"] == SourceStatus.FAILED
    )
    if not failed:
        return "every source was skipped"
    source = failed[0][1]
    return f"{source}: {stats[source].get('error')}"


async def _counts(engine: AsyncEngine) -> tuple[int, int, int, int]:
    async with engine.connect() as conn:
        row = (await conn.execute(_COUNTS)).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])
