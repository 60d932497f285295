"""GET /health (process alive) and GET /ready (dependencies answer)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from aiohttp import web

from server import __version__
from server.core.database import ping
from server.core.redis_client import REDIS_TIMEOUT_S
from server.http.keys import ENGINE, REDIS

log = logging.getLogger(__name__)


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "timestamp": utc_now_iso(), "version": __version__})


async def ready(request: web.Request) -> web.Response:
    checks: dict[str, str] = {}
    try:
        await ping(request.app[ENGINE], timeout_s=2.0)
        checks["postgres"] = "ok"
    except Exception as exc:
        log.warning("readiness: PostgreSQL failed: %s: %s", type(exc).__name__, exc)
        checks["postgres"] = "unavailable"
    redis = request.app[REDIS]
    if redis is not None:
        try:
            await asyncio.wait_for(redis.ping(), REDIS_TIMEOUT_S * 2)
            checks["redis"] = "ok"
        except Exception as exc:
            log.warning("readiness: Redis failed: %s: %s", type(exc).__name__, exc)
            checks["redis"] = "unavailable"
    ok = all(v == "ok" for v in checks.values())
    body = {
        "status": "ready" if ok else "unavailable",
        "checks": checks,
        "timestamp": utc_now_iso(),
    }
    return web.json_response(body, status=200 if ok else 503)


def setup_health_routes(app: web.Application) -> None:
    app.router.add_get("/health", health)
    app.router.add_get("/ready", ready)
