"""The OpenAPI 3.1 document of the /v1 routes, served at /v1/openapi.json.

A static document (not generated from handlers) so it is reviewed like code. Tests keep it
true: every /v1 route is documented, real responses validate against it, and a bounded
schemathesis run finds no 5xx and no response outside it.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from server import __version__
from server.core.limits import (
    DEFAULT_PAGE_SIZE,
    DEFAULT_SYNC_HISTORY,
    MAX_FILTER_PRICE,
    MAX_OFFSET,
    MAX_PAGE_SIZE,
    MAX_REQUEST_BYTES,
    MAX_SYNC_HISTORY,
    MAX_TEXT_LENGTH,
    MAX_TOKEN_COUNT,
)
from server.core.vocabulary import (
    CAPABILITIES,
    ENTITY_STATUSES,
    LISTING_KINDS,
    MODALITIES,
    RUN_STATUSES,
    SOURCES,
)
from server.http.rest.models import SORT_FIELDS

JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(
    schema: dict[str, Any], description: str, headers: dict[str, Any] | None = None
) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {JSON: {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


_INT = {"type": "integer"}
_STR = {"type": "string"}
_BOOL = {"type": "boolean"}
_NUM = {"type": "number"}
_STR_LIST = {"type": "array", "items": _STR}
_NULLABLE_STR = {"type": ["string", "null"]}
_TIMESTAMP = {"type": "string", "format": "date-time"}

_RATE_HEADERS = {
    "RateLimit-Limit": {"schema": _INT, "description": "requests allowed per minute"},
    "RateLimit-Remaining": {"schema": _INT, "description": "requests left in this window"},
    "RateLimit-Reset": {"schema": _INT, "description": "seconds until the window resets"},
}
_CACHE_HEADERS = {
    **_RATE_HEADERS,
    "ETag": {"schema": _STR, "description": "changes when the body or catalog version does"},
    "X-Catalog-Version": {"schema": _INT, "description": "catalog version of the data"},
}

_COMMON_ERRORS = {
    "400": _error("VALIDATION_ERROR: a parameter broke a rule; the message names it"),
    "429": _error("RATE_LIMITED: too many requests from this client; see Retry-After"),
    "503": _error("SERVICE_UNAVAILABLE: the database cannot be reached"),
}
_NOT_MODIFIED = {"description": "If-None-Match matched the current ETag"}
_ADMIN_ERRORS = {
    "401": _error("UNAUTHORIZED: missing or wrong admin token"),
    "403": _error("FORBIDDEN: admin operations are disabled (no ADMIN_TOKEN on the server)"),
}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


_MODEL_FIELDS: dict[str, Any] = {
    "id": {**_STR, "description": "canonical id <creator>/<slug>"},
    "name": _STR,
    "provider": {**_STR, "description": "the model's creator"},
    "contextWindow": {**_INT, "description": "tokens; 0 when unknown"},
    "maxOutputTokens": {**_INT, "description": "tokens; 0 when unknown"},
    "inputCost": {**_NUM, "description": "USD per 1M tokens; 0 when unknown (see pricingKnown)"},
    "outputCost": _NUM,
    "cacheReadCost": _NUM,
    "cacheWriteCost": _NUM,
    "modalities": {**_STR_LIST, "description": "input then output modalities"},
    "capabilities": {**_STR_LIST, "description": "tools, reasoning"},
    "releaseDate": {**_STR, "description": "YYYY-MM-DD or empty"},
    "lastUpdated": _STR,
    "knowledge": {**_STR, "description": "training cutoff as the source gives it, or empty"},
    "openWeights": _BOOL,
    "supportsTemperature": _BOOL,
    "supportsAttachments": _BOOL,
    "new": {**_BOOL, "description": "released in the last 30 days"},
}
_MODEL_EXTRAS: dict[str, Any] = {
    "pricingKnown": {**_BOOL, "description": "false when the costs are placeholders (0)"},
    "pricingProvider": {**_STR, "description": "provider whose offering the costs come from"},
    "pricingListingKind": {
        "type": "string",
        "enum": ["", *LISTING_KINDS],
        "description": "listing kind of that offering ('' when no offering has a price)",
    },
    "offeringsCount": _INT,
    "status": {"type": "string", "enum": list(ENTITY_STATUSES)},
}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error", "timestamp"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": _STR, "message": _STR, "details": {}},
            },
            "timestamp": _TIMESTAMP,
        },
    },
    "Model": {
        "type": "object",
        "required": [*_MODEL_FIELDS, *_MODEL_EXTRAS],
        "properties": {**_MODEL_FIELDS, **_MODEL_EXTRAS},
    },
    "ModelList": {
        "type": "object",
        "required": ["data", "meta", "timestamp"],
        "properties": {
            "data": {"type": "array", "items": _ref("Model")},
            "meta": {
                "type": "object",
                "required": ["total", "limit", "offset"],
                "properties": {"total": _INT, "limit": _INT, "offset": _INT},
            },
            "timestamp": _TIMESTAMP,
        },
    },
    "ModelResponse": {
        "type": "object",
        "required": ["data", "timestamp"],
        "properties": {"data": _ref("Model"), "timestamp": _TIMESTAMP},
    },
    "Provider": {
        "type": "object",
        "required": ["id", "name", "kind", "modelsCount", "offeringsCount"],
        "properties": {
            "id": _STR,
            "name": _STR,
            "kind": {**_STR, "description": "lab, host, router, or empty"},
            "apiUrl": _STR,
            "docUrl": _STR,
            "envVars": _STR_LIST,
            "npmPackage": _STR,
            "status": _STR,
            "modelsCount": {**_INT, "description": "models it serves (active offerings)"},
            "offeringsCount": {**_INT, "description": "active offerings"},
        },
    },
    "ProviderList": {
        "type": "object",
        "required": ["data", "meta", "timestamp"],
        "properties": {
            "data": {"type": "array", "items": _ref("Provider")},
            "meta": {"type": "object", "required": ["total"], "properties": {"total": _INT}},
            "timestamp": _TIMESTAMP,
        },
    },
    "SyncStarted": {
        "type": "object",
        "required": ["data", "timestamp"],
        "properties": {
            "data": {
                "type": "object",
                "required": ["syncId", "status", "message"],
                "properties": {"syncId": _INT, "status": {"const": "started"}, "message": _STR},
            },
            "timestamp": _TIMESTAMP,
        },
    },
    "SyncRun": {
        "type": "object",
        "required": [
            "id",
            "status",
            "message",
            "startedAt",
            "completedAt",
            "totalFetched",
            "totalStored",
        ],
        "properties": {
            "id": _INT,
            "status": {
                "type": "string",
                "enum": list(RUN_STATUSES),
            },
            "message": _STR,
            "startedAt": _TIMESTAMP,
            "completedAt": {"type": ["string", "null"], "format": "date-time"},
            "totalFetched": _INT,
            "totalStored": _INT,
            "totalChanged": _INT,
            "trigger": _STR,
            "sources": _STR_LIST,
            "sourceStats": {"type": "object", "description": "per-source status and counts"},
            "durationMs": {"type": ["integer", "null"]},
            "replicaId": _NULLABLE_STR,
        },
    },
    "SyncHistory": {
        "type": "object",
        "required": ["data", "meta", "timestamp"],
        "properties": {
            "data": {"type": "array", "items": _ref("SyncRun")},
            "meta": {"type": "object", "required": ["total"], "properties": {"total": _INT}},
            "timestamp": _TIMESTAMP,
        },
    },
    "Health": {
        "type": "object",
        "required": ["status", "timestamp", "version"],
        "properties": {"status": {"const": "ok"}, "timestamp": _TIMESTAMP, "version": _STR},
    },
    "Ready": {
        "type": "object",
        "required": ["status", "checks", "timestamp"],
        "properties": {
            "status": {"type": "string", "enum": ["ready", "unavailable"]},
            "checks": {
                "type": "object",
                "additionalProperties": {"type": "string", "enum": ["ok", "unavailable"]},
            },
            "timestamp": _TIMESTAMP,
        },
    },
}

# Enumerations and bounds come from server.core.vocabulary and server.core.limits, which the
# parser enforces too (tests/rest/test_openapi_drift.py checks it accepts exactly these;
# tests/test_vocabulary.py that GraphQL and the tables use the same vocabularies).
_SORTS = tuple(SORT_FIELDS)
# Free text: at most MAX_TEXT_LENGTH characters, no control characters.
_TEXT = {"type": "string", "maxLength": MAX_TEXT_LENGTH, "pattern": "^[^\\u0000-\\u001f]*$"}
_TOKENS = {"type": "integer", "minimum": 0, "maximum": MAX_TOKEN_COUNT}
_PRICE = {"type": "number", "minimum": 0, "maximum": MAX_FILTER_PRICE}
_INCLUDE_FREE = _query(
    "includeFree",
    {"type": "boolean", "default": False},
    "count free tiers and playgrounds as offerings for the costs shown, the price filters "
    "and the price sorts (default: the cheapest paid offering)",
)


def _comma_list(values: tuple[str, ...]) -> dict[str, Any]:
    item = "(" + "|".join(values) + ")"
    # Empty means "not given" (the default applies).
    return {"type": "string", "pattern": f"^({item}(,{item})*)?$"}


_LIST_PARAMETERS = [
    _query(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE},
        "page size",
    ),
    _query(
        "offset",
        {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
        "rows to skip",
    ),
    _query("provider", _TEXT, "only models this provider serves (has an active offering)"),
    _query("all", {"type": "boolean"}, "true: every matching model, limit/offset ignored"),
    _query("search", _TEXT, "text search on id and name (substring or fuzzy)"),
    _query("creator", _TEXT, "only models made by this provider"),
    _query("capabilities", _comma_list(CAPABILITIES), "all of these capabilities"),
    _query("inputModalities", _comma_list(MODALITIES), "all of these input modalities"),
    _query("outputModalities", _comma_list(MODALITIES), "all of these output modalities"),
    _query("openWeights", {"type": "boolean"}, "open-weights models only (or none)"),
    _query("minContextWindow", _TOKENS, "context window at least (tokens)"),
    _query("minMaxOutputTokens", _TOKENS, "max output at least (tokens)"),
    _query("maxInputPrice", _PRICE, "cheapest input price at most (USD per 1M tokens)"),
    _query("maxOutputPrice", _PRICE, "cheapest output price at most (USD per 1M tokens)"),
    _query(
        "listingKind",
        _comma_list(LISTING_KINDS),
        "only models with an active offering of one of these listing kinds",
    ),
    _INCLUDE_FREE,
    _query("releasedAfter", {"type": "string", "format": "date"}, "released on or after"),
    _query("releasedBefore", {"type": "string", "format": "date"}, "released on or before"),
    _query(
        "status", _comma_list(ENTITY_STATUSES), "statuses to include (default active,deprecated)"
    ),
    _query(
        "source",
        {"type": "string", "enum": list(SOURCES)},
        "only models this source lists",
    ),
    _query(
        "sort",
        {"type": "string", "enum": [f"{sign}{name}" for name in _SORTS for sign in ("", "-")]},
        "field, '-' prefix for descending; nulls last; default name, or relevance when "
        "search is given",
    ),
]
_ADMIN_SECURITY: list[dict[str, list[str]]] = [{"bearer": []}, {"xAdmin": []}]

PATHS: dict[str, Any] = {
    "/health": {
        "get": {
            "summary": "Process is alive",
            "responses": {"200": _json(_ref("Health"), "alive")},
        }
    },
    "/ready": {
        "get": {
            "summary": "PostgreSQL (and Redis if configured) answer",
            "responses": {
                "200": _json(_ref("Ready"), "ready"),
                "503": _json(_ref("Ready"), "a dependency is down; checks say which"),
            },
        }
    },
    "/v1/models": {
        "get": {
            "summary": "List models (flat legacy records)",
            "parameters": _LIST_PARAMETERS,
            "responses": {
                "200": _json(_ref("ModelList"), "one page of models", _CACHE_HEADERS),
                "304": _NOT_MODIFIED,
                **_COMMON_ERRORS,
            },
        }
    },
    "/v1/models/{id}": {
        "get": {
            "summary": "One model by canonical id (ids contain '/')",
            "parameters": [
                {
                    "name": "id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "minLength": 1},
                    "example": "openai/gpt-4o",
                },
                _INCLUDE_FREE,
            ],
            "responses": {
                "200": _json(_ref("ModelResponse"), "the model", _CACHE_HEADERS),
                "304": _NOT_MODIFIED,
                "404": _error("NOT_FOUND: no model with this id"),
                **_COMMON_ERRORS,
            },
        }
    },
    "/v1/providers": {
        "get": {
            "summary": "List providers with model counts",
            "responses": {
                "200": _json(_ref("ProviderList"), "every provider", _CACHE_HEADERS),
                "304": _NOT_MODIFIED,
                **_COMMON_ERRORS,
            },
        }
    },
    "/v1/admin/sync": {
        "post": {
            "summary": "Start a sync in the background (admin)",
            "security": _ADMIN_SECURITY,
            "requestBody": {
                "required": False,
                "content": {
                    JSON: {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "sources": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": {
                                        "type": "string",
                                        "enum": list(SOURCES),
                                    },
                                }
                            },
                        }
                    }
                },
            },
            "responses": {
                "202": _json(_ref("SyncStarted"), "started"),
                "409": _error("CONFLICT: a sync is already running (details.syncId)"),
                "413": _error(
                    f"PAYLOAD_TOO_LARGE: request body over {MAX_REQUEST_BYTES // 1024 // 1024} MiB"
                ),
                **_ADMIN_ERRORS,
                **_COMMON_ERRORS,
            },
        }
    },
    "/v1/admin/sync/history": {
        "get": {
            "summary": "Recent sync runs, newest first (admin)",
            "security": _ADMIN_SECURITY,
            "parameters": [
                _query(
                    "limit",
                    {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_SYNC_HISTORY,
                        "default": DEFAULT_SYNC_HISTORY,
                    },
                    "runs to return",
                )
            ],
            "responses": {
                "200": _json(_ref("SyncHistory"), "runs"),
                **_ADMIN_ERRORS,
                **_COMMON_ERRORS,
            },
        }
    },
    "/v1/export/litellm.json": {
        "get": {
            "summary": "The catalog as LiteLLM's cost map (model_prices_and_context_window.json)",
            "description": (
                "Keys `<litellm provider>/<provider model id>`, plus the bare id for openai "
                "and anthropic; USD per token. Offerings without a known input and output "
                "price, with a variable or per-request price, or of a provider LiteLLM does "
                "not know are left out. Use as LITELLM_MODEL_COST_MAP_URL."
            ),
            "responses": {
                "200": {
                    "description": "model key -> LiteLLM entry",
                    "headers": _CACHE_HEADERS,
                    "content": {JSON: {"schema": {"type": "object"}}},
                },
                "304": _NOT_MODIFIED,
                **_COMMON_ERRORS,
            },
        }
    },
    "/v1/openapi.json": {
        "get": {
            "summary": "This document",
            "responses": {
                "200": {
                    "description": "OpenAPI 3.1",
                    "content": {JSON: {"schema": {"type": "object"}}},
                },
                "429": _COMMON_ERRORS["429"],
            },
        }
    },
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Effect Models REST API",
        "version": __version__,
        "description": (
            "Legacy-compatible /v1 routes of the Effect Models catalog. Errors everywhere are "
            '{"error":{"code","message","details"?},"timestamp"}. Every response carries '
            "RateLimit-Limit/-Remaining/-Reset; catalog responses carry ETag and "
            "X-Catalog-Version and honour If-None-Match. Benchmark data attributed to "
            "https://artificialanalysis.ai/."
        ),
    },
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "ADMIN_TOKEN"},
            "xAdmin": {
                "type": "apiKey",
                "in": "header",
                "name": "x-admin",
                "description": "ADMIN_TOKEN (legacy header)",
            },
        },
    },
}

_BODY = orjson.dumps(DOCUMENT)


async def openapi_handler(request: web.Request) -> web.Response:
    return web.Response(
        body=_BODY, content_type=JSON, headers={"Cache-Control": "public, max-age=300"}
    )
