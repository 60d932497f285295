"""Wiring into the aiohttp app: the service, the SYNC_CRON job, sync-if-empty at start
(sync/startup.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from apscheduler.triggers.cron import CronTrigger

from server.core.vocabulary import RunTrigger
from server.http.keys import ENGINE, SCHEDULER, SETTINGS
from sync.interface import SYNC_SERVICE, SyncAlreadyRunning
from sync.service import SyncService
from sync.startup import sync_if_empty

log = logging.getLogger(__name__)
JOB_ID = "effect-models-sync"


def setup_sync(app: web.Application) -> None:
    """Register the service, its cron job and the sync-if-empty start-up check."""
    app.cleanup_ctx.append(sync_ctx)


async def sync_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    service = SyncService(app[ENGINE], settings)
    app[SYNC_SERVICE] = service
    startup: asyncio.Task[Any] | None = None
    # An empty SYNC_CRON disables the schedule; the start-up sync has its own switch.
    if settings.sync_cron:
        app[SCHEDULER].add_job(
            scheduled_sync,
            CronTrigger.from_crontab(settings.sync_cron, timezone="UTC"),
            args=[service],
            id=JOB_ID,
            replace_existing=True,
            max_instances=1,
            coalesce=True,
        )
    if settings.sync_on_startup:
        startup = asyncio.create_task(sync_if_empty(service, app[ENGINE]), name="sync-if-empty")
    yield
    if startup is not None:
        startup.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await startup
    with contextlib.suppress(Exception):
        app[SCHEDULER].remove_job(JOB_ID)
    await service.close()


async def scheduled_sync(service: SyncService) -> None:
    outcome = await service.trigger(RunTrigger.SCHEDULE)
    if isinstance(outcome, SyncAlreadyRunning):
        log.info("scheduled sync skipped: run %s is already running", outcome.run_id)
