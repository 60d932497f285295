"""GET /v1/export/litellm.json: the catalog as LiteLLM's cost map, cached like the lists."""

from __future__ import annotations

import asyncio
import logging

import orjson
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.export.litellm import CostMap, build_cost_map, listed_offerings
from server.http.rest.state import BODY_CACHE, read_snapshot

log = logging.getLogger(__name__)

LITELLM_PATH = "/v1/export/litellm.json"
LITELLM_TTL_S = 3600
LITELLM_CACHE_KEY = "export:litellm"
# One build at a time per replica: the map of a full catalog takes ~0.1 s of CPU, and every
# LiteLLM process polling it after a sync would otherwise build its own copy at once.
BUILD_LOCK = web.AppKey("litellm_export_build_lock", asyncio.Lock)


async def litellm_export_handler(request: web.Request) -> web.Response:
    cache = request.app[BODY_CACHE]
    response = cache.hit(request, LITELLM_CACHE_KEY)
    if response is not None:
        return response

    async def build() -> tuple[int, bytes]:
        async def work(conn: AsyncConnection) -> CostMap:
            return build_cost_map(await listed_offerings(conn))

        version, cost_map = await read_snapshot(request.app, work)
        # Once per catalog version and replica: says what was left out and why.
        log.info(
            "litellm cost map built: %d keys, skipped %s (catalog version %d)",
            len(cost_map.entries),
            cost_map.skipped or "none",
            version,
        )
        # Sorted keys: the same catalog always gives the same bytes (and ETag).
        return version, orjson.dumps(cost_map.entries, option=orjson.OPT_SORT_KEYS)

    # Waiters find the body the first one built (answer() looks in the cache again).
    async with request.app[BUILD_LOCK]:
        return await cache.answer(request, LITELLM_CACHE_KEY, LITELLM_TTL_S, build)


def setup_export(app: web.Application) -> None:
    app[BUILD_LOCK] = asyncio.Lock()
    app.router.add_get(LITELLM_PATH, litellm_export_handler)
