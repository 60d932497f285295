"""GET /v1/providers: every provider with how many models it serves, from cache."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.rest.cached import serve_cached
from server.rest.envelope import envelope
from server.rest.state import BODY_CACHE, REST_CATALOG_VERSION, read_snapshot
from server.tables import models, offerings, providers

PROVIDERS_TTL_S = 3600


def _counts_query() -> Any:
    active = offerings.c.status == "active"
    served = (
        select(
            offerings.c.provider_id,
            func.count().label("offerings"),
            func.count(offerings.c.model_id.distinct()).label("models"),
        )
        .where(active)
        .group_by(offerings.c.provider_id)
        .subquery()
    )
    created = (
        select(models.c.creator_id, func.count().label("created"))
        .where(models.c.status != "removed")
        .group_by(models.c.creator_id)
        .subquery()
    )
    return (
        select(
            providers,
            func.coalesce(served.c.offerings, 0).label("offerings_count"),
            func.coalesce(served.c.models, 0).label("models_count"),
            func.coalesce(created.c.created, 0).label("created_count"),
        )
        .outerjoin(served, served.c.provider_id == providers.c.id)
        .outerjoin(created, created.c.creator_id == providers.c.id)
        .where(providers.c.status != "removed")
        .order_by(providers.c.id)
    )


def provider_record(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "kind": row["kind"] or "",
        "apiUrl": row["api_url"] or "",
        "docUrl": row["doc_url"] or "",
        "envVars": list(row["env_vars"]),
        "npmPackage": row["npm_package"] or "",
        "status": row["status"],
        "modelsCount": int(row["models_count"]),
        "offeringsCount": int(row["offerings_count"]),
        "createdModelsCount": int(row["created_count"]),
    }


async def list_providers_handler(request: web.Request) -> web.Response:
    async def build() -> tuple[int, bytes]:
        async def work(conn: AsyncConnection) -> list[dict[str, Any]]:
            rows = (await conn.execute(_counts_query())).mappings().all()
            return [provider_record(row) for row in rows]

        version, records = await read_snapshot(request.app, work)
        return version, envelope(records, {"total": len(records)})

    version = await request.app[REST_CATALOG_VERSION].get()
    cache = request.app[BODY_CACHE]
    return await serve_cached(request, cache, version, "providers", PROVIDERS_TTL_S, build)
