"""Admin routes: POST /v1/admin/sync (202 / 409) and GET /v1/admin/sync/history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from aiohttp import web

from server.core.catalog.rows import SyncRunRow
from server.core.catalog.sync_runs import list_sync_runs
from server.core.errors import Conflict, ServiceUnavailable, ValidationError
from server.core.limits import DEFAULT_SYNC_HISTORY, MAX_SYNC_HISTORY
from server.core.vocabulary import SOURCES, RunTrigger
from server.http.auth import require_admin
from server.http.keys import READ_ENGINE, SETTINGS
from server.http.rest import params
from server.http.rest.envelope import json_response
from sync.interface import SYNC_SERVICE, SyncAlreadyRunning


def _admin(request: web.Request) -> None:
    require_admin(request.app[SETTINGS].admin_token, request.headers)


async def _requested_sources(request: web.Request) -> list[str] | None:
    """Optional JSON body {"sources": [...]}; no body means every source."""
    raw = await request.read()  # reading enforces the body size limit (413)
    if not raw.strip():
        return None
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ValidationError(
            'request body must be JSON, e.g. {"sources": ["openrouter"]}'
        ) from None
    if not isinstance(body, dict):  # null, "hello", 5 or [] must not start a sync
        raise ValidationError(
            'request body must be a JSON object, e.g. {"sources": ["openrouter"]}'
        )
    sources = body.get("sources")
    if sources is None:
        return None
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise ValidationError(
            "sources must be a list of source names", details={"parameter": "sources"}
        )
    unknown = sorted(set(sources) - set(SOURCES))
    if unknown or not sources:
        raise ValidationError(
            f"sources must be a non-empty list of: {', '.join(SOURCES)}",
            details={"parameter": "sources", "unknown": unknown},
        )
    return list(dict.fromkeys(sources))


async def trigger_sync_handler(request: web.Request) -> web.Response:
    _admin(request)
    params.reject_unknown(request.query, ())  # its options travel in the body
    sources = await _requested_sources(request)
    service = request.app.get(SYNC_SERVICE)
    if service is None:
        raise ServiceUnavailable("the sync service is not running in this process")
    try:
        outcome = await service.trigger(RunTrigger.ADMIN, sources)
    except ValueError as exc:
        raise ValidationError(str(exc), details={"parameter": "sources"}) from None
    if isinstance(outcome, SyncAlreadyRunning):
        raise Conflict(
            "a sync is already running; wait for it to finish",
            details={"syncId": outcome.run_id},
        )
    data = {
        "syncId": outcome.run_id,
        "status": "started",
        "message": f"sync {outcome.run_id} started; follow it at /v1/admin/sync/history",
    }
    return json_response(data, status=202)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def history_record(row: SyncRunRow) -> dict[str, Any]:
    started, finished = row.started_at, row.finished_at
    duration = (finished - started).total_seconds() * 1000 if finished else None
    return {
        "id": row.id,
        "status": row.status,
        "message": row.message or "",
        "startedAt": _iso(started),
        "completedAt": _iso(finished),
        "totalFetched": row.total_fetched,
        "totalStored": row.total_stored,
        "totalChanged": row.total_changed,
        "trigger": row.trigger,
        "sources": list(row.sources),
        "sourceStats": row.source_stats,
        "durationMs": round(duration) if duration is not None else None,
        "replicaId": row.replica_id,
    }


async def sync_history_handler(request: web.Request) -> web.Response:
    _admin(request)
    params.reject_unknown(request.query, ("limit",))
    limit = params.integer(request.query, "limit", DEFAULT_SYNC_HISTORY, 1, MAX_SYNC_HISTORY)
    async with request.app[READ_ENGINE].connect() as conn:
        page = await list_sync_runs(conn, limit, 0)
    return json_response([history_record(r) for r in page.rows], {"total": page.total})
