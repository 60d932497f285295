"""Websocket caps per client IP: connections and live subscriptions (issue 13).

Every subscription polls the database, so 6,000 of them from one IP slowed every other
request of the replica to seconds. Strawberry offers a cap per connection
(`max_subscriptions_per_connection`) and a time limit for `connection_init`
(graphql-transport-ws only); the legacy `graphql-ws` protocol has no such time limit, so it
is not offered (a client asking only for it is closed with 4406). On top of those:

- a websocket upgrade from an IP that already holds WS_MAX_CONNECTIONS_PER_IP connections
  is refused with 429 RATE_LIMITED before the upgrade;
- a `subscribe` that would take the IP over WS_MAX_SUBSCRIPTIONS_PER_IP live operations
  (all its connections together) gets the same `error` message Strawberry sends for its
  per-connection limit, and the connection stays usable.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from aiohttp import hdrs, web
from graphql import GraphQLError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage

from schema.limits import document_refusal
from server.core.errors import RateLimited
from server.core.settings import IpNetwork
from server.http.ratelimit import client_ip

SUBSCRIPTION_LIMIT_MESSAGE = "Subscription limit reached for this client"


class WebsocketClients:
    """Live websocket handlers per client IP (one process)."""

    def __init__(
        self, max_connections: int, max_subscriptions: int, trusted: Sequence[IpNetwork]
    ) -> None:
        self.max_connections = max_connections
        self.max_subscriptions = max_subscriptions
        self._trusted = tuple(trusted)
        self._open: defaultdict[str, int] = defaultdict(int)
        self._handlers: defaultdict[str, set[BaseGraphQLTransportWSHandler[Any, Any]]] = (
            defaultdict(set)
        )

    def client(self, request: web.Request) -> str:
        forwarded_for = request.headers.get(hdrs.X_FORWARDED_FOR)
        return client_ip(request.remote, forwarded_for, self._trusted)

    @contextmanager
    def connection(self, request: web.Request) -> Iterator[str]:
        """Hold one connection slot of the request's IP for the websocket's lifetime."""
        ip = self.client(request)
        if self._open[ip] >= self.max_connections:
            raise RateLimited(
                f"at most {self.max_connections} websocket connections per client",
                details={"maxConnections": self.max_connections},
                headers={"Retry-After": "10"},
            )
        self._open[ip] += 1
        try:
            yield ip
        finally:
            self._open[ip] -= 1
            if not self._open[ip]:
                del self._open[ip]

    def add(self, ip: str, handler: BaseGraphQLTransportWSHandler[Any, Any]) -> None:
        self._handlers[ip].add(handler)

    def remove(self, ip: str, handler: BaseGraphQLTransportWSHandler[Any, Any]) -> None:
        handlers = self._handlers.get(ip)
        if handlers is not None:
            handlers.discard(handler)
            if not handlers:
                del self._handlers[ip]

    def operations(self, ip: str) -> int:
        return sum(len(h.operations) for h in self._handlers.get(ip, ()))


class CappedTransportWSHandler(BaseGraphQLTransportWSHandler[Any, None]):
    """graphql-transport-ws with the per-IP subscription cap (the view sets `clients` and
    `ip` through the context's request)."""

    async def handle(self) -> None:
        clients, ip = self._registry()
        clients.add(ip, self)
        try:
            await super().handle()
        finally:
            clients.remove(ip, self)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        clients, ip = self._registry()
        if not self.connection_acknowledged:
            await super().handle_subscribe(message)  # Strawberry closes it (4401)
            return
        refusal = document_refusal(message["payload"].get("query"))
        if refusal is not None:
            await self._refuse(
                message, GraphQLError(refusal, extensions={"code": "PAYLOAD_TOO_LARGE"})
            )
            return
        if clients.operations(ip) >= clients.max_subscriptions:
            extensions = {"code": "RATE_LIMITED", "maxSubscriptions": clients.max_subscriptions}
            await self._refuse(
                message, GraphQLError(SUBSCRIPTION_LIMIT_MESSAGE, extensions=extensions)
            )
            return
        await super().handle_subscribe(message)

    async def _refuse(self, message: SubscribeMessage, error: GraphQLError) -> None:
        """The `error` message Strawberry sends for its own per-connection limit."""
        await self.send_message(
            {"id": message["id"], "type": "error", "payload": [error.formatted]}
        )

    def _registry(self) -> tuple[WebsocketClients, str]:
        request: web.Request = self.context.request
        return request[WS_CLIENTS], request[WS_CLIENT_IP]


WS_CLIENTS = web.RequestKey("ws_clients", WebsocketClients)
WS_CLIENT_IP = web.RequestKey("ws_client_ip", str)
