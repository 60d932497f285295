"""Bounds that keep one anonymous client from freezing, starving or bloating a replica.

Each is an environment variable (read and validated with the other settings, see
server.core.settings) with a default meant for production; README "Limits" lists them.
"""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Bounds:
    # GraphQL: selections of a document once its fragments are inlined (schema.limits).
    graphql_max_expanded_selections: int = 5_000
    # GraphQL document text: longer is refused before parsing (the lexer takes ~0.3 s of
    # event loop for a 0.9 MB comment); also the most a cached document can be.
    graphql_max_document_chars: int = 64 * 1024
    # GraphQL parse + validation cache (schema.document_cache).
    graphql_cache_entries: int = 1_024
    graphql_cache_bytes: int = 64 * MIB
    # Shared response cache (server.core.cache): one body, and all bodies stored per hour.
    response_cache_max_entry_bytes: int = 8 * MIB
    response_cache_max_bytes_per_hour: int = 256 * MIB
    # Websockets (schema.websockets), per client IP.
    ws_max_connections_per_ip: int = 20
    ws_max_subscriptions_per_ip: int = 100
    ws_init_timeout_ms: int = 10_000


# variable -> (attribute, lowest, highest)
BOUND_VARIABLES: dict[str, tuple[str, int, int]] = {
    "GRAPHQL_MAX_EXPANDED_SELECTIONS": ("graphql_max_expanded_selections", 100, 1_000_000),
    "GRAPHQL_CACHE_ENTRIES": ("graphql_cache_entries", 0, 1_000_000),
    "GRAPHQL_CACHE_BYTES": ("graphql_cache_bytes", 0, 16 * 1024 * MIB),
    "GRAPHQL_MAX_DOCUMENT_CHARS": ("graphql_max_document_chars", 1024, MIB),
    "RESPONSE_CACHE_MAX_ENTRY_BYTES": ("response_cache_max_entry_bytes", 0, 512 * MIB),
    "RESPONSE_CACHE_MAX_BYTES_PER_HOUR": (
        "response_cache_max_bytes_per_hour",
        0,
        1024 * 1024 * MIB,
    ),
    "WS_MAX_CONNECTIONS_PER_IP": ("ws_max_connections_per_ip", 1, 1_000_000),
    "WS_MAX_SUBSCRIPTIONS_PER_IP": ("ws_max_subscriptions_per_ip", 1, 1_000_000),
    "WS_INIT_TIMEOUT_MS": ("ws_init_timeout_ms", 100, 600_000),
}
