"""GET /v1/models and GET /v1/models/{id}: the legacy list and record, served from cache."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.catalog.filters import ModelFilter, ModelSort, SortField
from server.core.catalog.models import list_models, models_by_ids
from server.core.catalog.related import offerings_by_model_ids
from server.core.errors import NotFound
from server.core.limits import (
    ALL_MODELS_LIMIT,
    DEFAULT_PAGE_SIZE,
    MAX_OFFSET,
    MAX_PAGE_SIZE,
    MAX_TEXT_LENGTH,
    MAX_TOKEN_COUNT,
)
from server.core.storable_text import NUL
from server.core.vocabulary import (
    CAPABILITIES,
    ENTITY_STATUSES,
    LISTING_KINDS,
    MODALITIES,
    SOURCES,
    VISIBLE_STATUSES,
)
from server.http.rest import params
from server.http.rest.envelope import envelope
from server.http.rest.legacy import legacy_model
from server.http.rest.state import BODY_CACHE, read_snapshot

LIST_TTL_S = 3600
MODEL_TTL_S = 7200


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(word.capitalize() for word in rest)


# Public sort names (camelCase, like the JSON fields) -> catalog sort fields: every sort
# of the catalog (and of GraphQL's ModelSortField), `release_date` as `releaseDate`.
SORT_FIELDS: dict[str, SortField] = {_camel(field.value): field for field in SortField}
SORT_VALUES = tuple(f"{sign}{name}" for name in SORT_FIELDS for sign in ("", "-"))


# Every query parameter /v1/models knows (the OpenAPI document lists the same).
LIST_PARAMETERS = frozenset({
    "limit", "offset", "provider", "all", "search", "creator", "capabilities",
    "inputModalities", "outputModalities", "openWeights", "minContextWindow",
    "minMaxOutputTokens", "maxInputPrice", "maxOutputPrice", "listingKind", "includeFree",
    "releasedAfter", "releasedBefore", "status", "source", "sort",
})  # fmt: skip
MODEL_PARAMETERS = frozenset({"includeFree"})


def parse_sort(query: Mapping[str, str]) -> ModelSort:
    value = params.one_of(query, "sort", SORT_VALUES)
    if value is None:
        # Searching without an explicit sort: best match first (as in GraphQL).
        return ModelSort(SortField.RELEVANCE if params.text(query, "search") else SortField.NAME)
    return ModelSort(SORT_FIELDS[value.lstrip("-")], descending=value.startswith("-"))


def parse_filter(query: Mapping[str, str]) -> ModelFilter:
    statuses = params.choices(query, "status", ENTITY_STATUSES) or VISIBLE_STATUSES
    return ModelFilter(
        search=params.text(query, "search"),
        creator=params.text(query, "creator"),
        provider=params.text(query, "provider"),
        capabilities=params.choices(query, "capabilities", CAPABILITIES),
        input_modalities=params.choices(query, "inputModalities", MODALITIES),
        output_modalities=params.choices(query, "outputModalities", MODALITIES),
        open_weights=params.boolean(query, "openWeights"),
        min_context_window=params.optional_integer(query, "minContextWindow", 0, MAX_TOKEN_COUNT),
        min_max_output_tokens=params.optional_integer(
            query, "minMaxOutputTokens", 0, MAX_TOKEN_COUNT
        ),
        max_input_price=params.price(query, "maxInputPrice"),
        max_output_price=params.price(query, "maxOutputPrice"),
        released_after=params.day(query, "releasedAfter"),
        released_before=params.day(query, "releasedBefore"),
        statuses=statuses,
        source=params.one_of(query, "source", SOURCES),
        listing_kinds=params.choices(query, "listingKind", LISTING_KINDS),
        include_free=params.boolean(query, "includeFree") is True,
    )


def _today() -> Any:
    return datetime.now(UTC).date()


async def _legacy_page(
    conn: AsyncConnection, flt: ModelFilter, sort: ModelSort, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    page = await list_models(conn, flt, sort, limit, offset)
    ids = [row.id for row in page.rows]
    offerings = await offerings_by_model_ids(conn, ids) if ids else {}
    today = _today()
    records = [
        legacy_model(row, offerings.get(row.id, []), today, flt.include_free) for row in page.rows
    ]
    return records, page.total


def _cache_key(kind: str, *parts: object) -> str:
    # Parsed values, not the raw query: `limit=20` and no limit share one entry. The
    # dataclass reprs name every field, so two different filters never share a key.
    return kind + ":" + "|".join(map(repr, parts))


@dataclass(frozen=True)
class ListRequest:
    flt: ModelFilter
    sort: ModelSort
    everything: bool
    limit: int
    offset: int
    cache_key: str


def parse_list_request(query: Mapping[str, str]) -> ListRequest:
    params.reject_unknown(query, LIST_PARAMETERS)
    flt = parse_filter(query)
    sort = parse_sort(query)
    everything = params.boolean(query, "all") is True
    limit = (
        ALL_MODELS_LIMIT
        if everything
        else params.integer(query, "limit", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    )
    offset = 0 if everything else params.integer(query, "offset", 0, 0, MAX_OFFSET)
    key = _cache_key("models", flt, sort, limit, offset)
    return ListRequest(flt, sort, everything, limit, offset, key)


# Clients repeat the same few query strings; parsing each once keeps the hot path short.
# Only valid requests are remembered (a ValidationError is raised before the store).
_PARSED: dict[str, ListRequest] = {}
_PARSED_MAX = 1024


def parsed_list_request(request: web.Request) -> ListRequest:
    raw = request.rel_url.raw_query_string  # as sent: decoding it would cost every request
    found = _PARSED.get(raw)
    if found is None:
        found = parse_list_request(request.query)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[raw] = found
    return found


async def list_models_handler(request: web.Request) -> web.Response:
    parsed = parsed_list_request(request)
    cache = request.app[BODY_CACHE]
    response = cache.hit(request, parsed.cache_key)
    if response is not None:
        return response

    async def build() -> tuple[int, bytes]:
        async def work(conn: AsyncConnection) -> tuple[list[dict[str, Any]], int]:
            return await _legacy_page(conn, parsed.flt, parsed.sort, parsed.limit, parsed.offset)

        version, (records, total) = await read_snapshot(request.app, work)
        shown_limit = total if parsed.everything else parsed.limit
        meta = {"total": total, "limit": shown_limit, "offset": parsed.offset}
        return version, envelope(records, meta)

    return await cache.answer(request, parsed.cache_key, LIST_TTL_S, build)


async def get_model_handler(request: web.Request) -> web.Response:
    # Ids contain "/"; a trailing slash is the same resource. Ids are stored lower case.
    model_id = request.match_info["id"].rstrip("/").lower()
    # PostgreSQL text cannot hold NUL, so no stored id has one (and querying it would fail).
    if not model_id or len(model_id) > MAX_TEXT_LENGTH or NUL in model_id:
        raise NotFound(f"no model with id {model_id[:100]!r}", details={"id": model_id[:100]})
    params.reject_unknown(request.query, MODEL_PARAMETERS)
    include_free = params.boolean(request.query, "includeFree") is True
    key = _cache_key("model", model_id, include_free)
    cache = request.app[BODY_CACHE]
    response = cache.hit(request, key)
    if response is not None:
        return response

    async def build() -> tuple[int, bytes]:
        async def work(conn: AsyncConnection) -> dict[str, Any] | None:
            found = await models_by_ids(conn, [model_id])
            row = found.get(model_id)
            if row is None:
                return None
            offerings = await offerings_by_model_ids(conn, [model_id])
            return legacy_model(row, offerings.get(model_id, []), _today(), include_free)

        version, record = await read_snapshot(request.app, work)
        if record is None:
            raise NotFound(f"no model with id {model_id!r}", details={"id": model_id})
        return version, envelope(record)

    return await cache.answer(request, key, MODEL_TTL_S, build)
