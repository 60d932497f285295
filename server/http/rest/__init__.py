"""REST /v1 routes (legacy shapes, DESIGN §6) and their OpenAPI document."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from server.http.rest.admin import sync_history_handler, trigger_sync_handler
from server.http.rest.export import setup_export
from server.http.rest.models import get_model_handler, list_models_handler
from server.http.rest.openapi import openapi_handler
from server.http.rest.providers import list_providers_handler
from server.http.rest.state import rest_state_ctx

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _get(app: web.Application, path: str, handler: Handler) -> None:
    # The trailing-slash twin answers the same (no redirect: legacy clients don't follow).
    app.router.add_get(path, handler)
    app.router.add_get(path + "/", handler)


def setup_rest(app: web.Application) -> None:
    """Routes plus the per-app cache state (a cleanup_ctx entry: it needs Redis opened)."""
    app.cleanup_ctx.append(rest_state_ctx)
    _get(app, "/v1/models", list_models_handler)
    # `.+` because canonical ids contain "/" (openai/gpt-4o).
    app.router.add_get("/v1/models/{id:.+}", get_model_handler)
    _get(app, "/v1/providers", list_providers_handler)
    app.router.add_post("/v1/admin/sync", trigger_sync_handler)
    app.router.add_post("/v1/admin/sync/", trigger_sync_handler)
    _get(app, "/v1/admin/sync/history", sync_history_handler)
    app.router.add_get("/v1/openapi.json", openapi_handler)
    setup_export(app)
