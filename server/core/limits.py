"""Fixed limits of both APIs and of the sync, defined once.

The REST parser and its OpenAPI document, the GraphQL resolvers and validation rules, and
the sync's record checks read these; README "Limits" and docs/design.md quote them.
The limits an operator may tune are in server.core.bounds (environment variables).
"""

from __future__ import annotations

# --- Pages. GraphQL connections (`first`) and REST lists (`limit`) share one size rule.
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# REST `offset` (GraphQL cursors carry theirs).
MAX_OFFSET = 1_000_000
# REST `all=true` returns every matching model; this bounds one response if the catalog grows.
ALL_MODELS_LIMIT = 100_000
# GET /v1/providers returns every provider in one page (models.dev lists ~150).
ALL_PROVIDERS_LIMIT = 10_000
# Sync history: REST `limit` of /v1/admin/sync/history and GraphQL `syncRuns(first)` default.
DEFAULT_SYNC_HISTORY = 10
MAX_SYNC_HISTORY = 100
# `compare(ids)`: distinct models side by side.
MIN_COMPARE = 2
MAX_COMPARE = 10

# --- Client input.
# A request body (HTTP 413 above it) and a GraphQL websocket message: GraphQL documents
# are small, and the admin sync body is a list of source names.
MAX_REQUEST_BYTES = 1024 * 1024
# The longest search text, name or id either API accepts: no model id or name is longer,
# and a 250 kB pattern kept PostgreSQL busy for 30 s per request (issue 13).
MAX_TEXT_LENGTH = 200
# Price filters, USD per 1M tokens: keeps absurd exponents (1e999999) away from numeric.
MAX_FILTER_PRICE = 1_000_000
# Token-count filters: the columns are PostgreSQL `integer`.
MAX_TOKEN_COUNT = 2**31 - 1

# --- GraphQL documents (schema.limits enforces them during validation).
MAX_QUERY_DEPTH = 12
MAX_QUERY_ALIASES = 30
MAX_QUERY_TOKENS = 2_000
MAX_QUERY_COST = 10_000
# resolveModel tries five matching rules, and a miss ranks every model name by trigram
# similarity (30 aliased misses took 4.7 s): at this cost a document holds at most 10.
RESOLVE_MODEL_COST = 1_000

# --- Upstream records (sync.parse): beyond these a record is refused, counted invalid.
# An id or name longer than this is garbage, and it could not be stored: a btree index entry
# holds at most ~2.7 kB (500 characters of 4-byte UTF-8 fit), and one such record would
# fail the whole write transaction instead of being counted invalid.
MAX_RECORD_TEXT_LENGTH = 500
# USD per 1M tokens (or per request / image). The dearest real list price is in the hundreds;
# anything above this is a unit mistake upstream (e.g. a per-1M number in a per-token field,
# which would read as billions) and is refused rather than stored as a price.
MAX_RECORD_PRICE = 100_000
