"""The HTTP layer: the aiohttp app, its middleware and edge concerns (CORS, auth, rate
limit, access log, metrics, health) and the /v1 REST routes.

It may import `server.core`, the GraphQL schema and the sync's base interface; the base
layer never imports it back (setup.cfg, import-linter).
"""
