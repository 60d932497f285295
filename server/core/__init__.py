"""The base layer: settings, database, tables, the catalog read queries, caches, errors.

Nothing here imports aiohttp, Strawberry, graphql-core, the sync, or `server.http`
(import-linter contract `base` in setup.cfg): both APIs and the sync build on it.
"""
