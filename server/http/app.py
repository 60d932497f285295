"""The app factory: create_app(settings) wires every resource and route."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from schema.view import setup_graphql
from server.core.database import create_engine, wait_for_database
from server.core.limits import MAX_REQUEST_BYTES
from server.core.redis_client import CircuitBreaker, connect_redis
from server.core.settings import Settings
from server.http.catalog_cache import catalog_cache_ctx
from server.http.cors import setup_cors
from server.http.health import setup_health_routes
from server.http.keys import ENGINE, READ_ENGINE, REDIS, SCHEDULER, SETTINGS
from server.http.metrics import REDIS_CIRCUIT_OPEN, observe_sync, setup_metrics_route
from server.http.middleware import Edge
from server.http.rest import setup_rest
from sync.app import setup_sync
from sync.interface import SYNC_SERVICE
from sync.pipeline import RunResult

log = logging.getLogger(__name__)


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    if settings.database_url is None:
        raise RuntimeError(
            "create_app needs settings.database_url (the CLI starts the embedded one)"
        )
    engine = create_engine(settings.database_url, settings.db_pool_size)
    await wait_for_database(engine, settings)
    app[ENGINE] = engine
    read_engine = engine
    if settings.database_read_url:
        read_engine = create_engine(settings.database_read_url, settings.db_pool_size)
    app[READ_ENGINE] = read_engine
    yield
    if read_engine is not engine:
        await read_engine.dispose()
    await engine.dispose()


async def redis_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    client = None
    if settings.redis_url:
        breaker = CircuitBreaker(on_state=lambda is_open: REDIS_CIRCUIT_OPEN.set(int(is_open)))
        client = await connect_redis(settings.redis_url, breaker)
    app[REDIS] = client
    yield
    if client is not None:
        await client.aclose()


async def scheduler_ctx(app: web.Application) -> AsyncIterator[None]:
    scheduler = AsyncIOScheduler(timezone="UTC")
    app[SCHEDULER] = scheduler
    scheduler.start()
    yield
    # Do not wait for a running job: its sync holds the advisory lock and rolls back if cut.
    scheduler.shutdown(wait=False)


async def freeze_startup_objects(app: web.Application) -> None:
    """Move everything built at start-up (modules, schema, engines: over 100k objects) out
    of the garbage collector's reach. They live as long as the process, and without this
    every full collection walks them again: a pause of tens of ms in the middle of requests.
    Once per process (the first app started; test suites start many).
    """
    if gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()


async def sync_metrics_ctx(app: web.Application) -> AsyncIterator[None]:
    """Feed every finished sync run of this replica into the sync-duration histogram."""

    def record(trigger: str, result: RunResult, seconds: float) -> None:
        observe_sync(trigger, result.status, seconds)

    app[SYNC_SERVICE].add_finish_listener(record)
    yield


def create_app(settings: Settings) -> web.Application:
    # ONE middleware for every request: request id + metrics + rate limit + the error
    # envelope (server.http.middleware). The log line is aiohttp's access log
    # (server.http.access_log).
    edge = Edge()
    app = web.Application(client_max_size=MAX_REQUEST_BYTES, middlewares=[edge])
    app[SETTINGS] = settings
    app.cleanup_ctx.append(database_ctx)
    app.cleanup_ctx.append(redis_ctx)
    app.cleanup_ctx.append(scheduler_ctx)
    app.cleanup_ctx.append(edge.start)  # after redis_ctx: it picks the rate limiter
    setup_sync(app)
    app.cleanup_ctx.append(sync_metrics_ctx)  # after setup_sync's context made the service
    # One version watcher and one response cache for both APIs; after the engines, Redis
    # and the sync service (it follows its commits), before the APIs that use them.
    app.cleanup_ctx.append(catalog_cache_ctx)
    setup_health_routes(app)
    setup_metrics_route(app)
    setup_rest(app)
    setup_graphql(app)
    # Last: CORS wraps every route registered above, including /graphql.
    setup_cors(app)
    app.on_startup.append(freeze_startup_objects)  # after every cleanup_ctx start-up step
    return app
