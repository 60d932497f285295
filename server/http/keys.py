"""Typed application keys: every shared resource the app factory opens."""

from __future__ import annotations

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.cache import ResponseCache
from server.core.catalog_version import VersionWatch
from server.core.redis_client import RedisClient
from server.core.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", AsyncEngine)
# The engine for reads: DATABASE_READ_URL when set, else the same object as ENGINE.
READ_ENGINE = web.AppKey("read_engine", AsyncEngine)
# None when REDIS_URL is unset: every Redis user has an in-process fallback.
REDIS: web.AppKey[RedisClient | None] = web.AppKey("redis")
SCHEDULER = web.AppKey("scheduler", AsyncIOScheduler)
# ONE of each per app, shared by REST and GraphQL (server.http.catalog_cache opens them).
CATALOG_VERSION = web.AppKey("catalog_version", VersionWatch)
RESPONSE_CACHE: web.AppKey[ResponseCache] = web.AppKey("response_cache")
