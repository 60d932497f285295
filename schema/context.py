"""The typed per-request GraphQL context (DESIGN §8.2): never app-wide loaders."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.types import Info as StrawberryInfo

from schema.db import RequestDb
from schema.loaders import Loaders, build_loaders
from server.core.settings import Settings
from server.http.auth import require_admin
from server.http.keys import ENGINE, READ_ENGINE, SETTINGS


@dataclass
class Context:
    request: web.Request
    response: web.StreamResponse | None
    settings: Settings
    engine: AsyncEngine  # the primary, for subscriptions that poll after commits
    db: RequestDb
    loaders: Loaders
    # Cleared by mutations and admin fields: such responses never enter the response cache.
    cacheable: bool = field(default=True)

    @property
    def over_websocket(self) -> bool:
        return isinstance(self.response, web.WebSocketResponse)

    def require_admin(self) -> None:
        self.cacheable = False
        require_admin(self.settings.admin_token, self.request.headers)


Info = StrawberryInfo[Context, None]


def build_context(request: web.Request, response: web.StreamResponse | None) -> Context:
    app = request.app
    db = RequestDb(app[READ_ENGINE])
    return Context(
        request=request,
        response=response,
        settings=app[SETTINGS],
        engine=app[ENGINE],
        db=db,
        loaders=build_loaders(db),
    )
