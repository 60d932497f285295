"""GET /v1/providers: every provider with how many models it serves, from cache."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.catalog.providers import ProviderFilter, ProviderSortField, list_providers
from server.core.catalog.rows import ProviderRow
from server.core.limits import ALL_PROVIDERS_LIMIT
from server.http.rest import params
from server.http.rest.envelope import envelope
from server.http.rest.state import BODY_CACHE, read_snapshot

PROVIDERS_TTL_S = 3600
CACHE_KEY = "providers"


def provider_record(row: ProviderRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "kind": row.kind or "",
        "apiUrl": row.api_url or "",
        "docUrl": row.doc_url or "",
        "envVars": list(row.env_vars),
        "npmPackage": row.npm_package or "",
        "status": row.status,
        "modelsCount": int(row.model_count),
        "offeringsCount": int(row.offering_count),
    }


async def list_providers_handler(request: web.Request) -> web.Response:
    params.reject_unknown(request.query, ())  # takes none: a typo must not pass silently
    cache = request.app[BODY_CACHE]
    response = cache.hit(request, CACHE_KEY)
    if response is not None:
        return response

    async def build() -> tuple[int, bytes]:
        async def work(conn: AsyncConnection) -> list[dict[str, Any]]:
            page = await list_providers(
                conn, ProviderFilter(), ProviderSortField.NAME, False, ALL_PROVIDERS_LIMIT, 0
            )
            return [provider_record(row) for row in page.rows]

        version, records = await read_snapshot(request.app, work)
        return version, envelope(records, {"total": len(records)})

    return await cache.answer(request, CACHE_KEY, PROVIDERS_TTL_S, build)
