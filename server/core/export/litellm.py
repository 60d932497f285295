"""The merged catalog as LiteLLM's cost map (`model_prices_and_context_window.json`).

LiteLLM loads its whole price map from a URL (`LITELLM_MODEL_COST_MAP_URL`) or merges one
into the loaded map (`litellm.register_model(model_cost=URL)`). One entry per priced
offering, keyed the way LiteLLM looks a model up: `<litellm provider>/<provider's model
id>` (`gemini/gemini-2.5-pro`, `openrouter/openai/gpt-4o`), plus the bare model id for the
providers LiteLLM itself lists bare (`gpt-4o`, `claude-opus-4-1-20250805`).

Only what can be priced truthfully is exported: an offering whose input or output price is
unknown, whose price varies with a routed model, that charges per request (LiteLLM's chat
entries have no per-request price), whose model produces no text (LiteLLM prices image and
audio generation by other units), or that is removed, is left out; so is a provider LiteLLM
does not know (litellm_providers.py). Unknown cache prices are omitted, not written as 0:
LiteLLM then bills cached tokens at the input price, which is its documented default.

Prices are USD per 1M tokens as exact Decimals in the catalog and USD per token here: the
division is exact in Decimal and the result is the nearest float (JSON has no decimals).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.catalog.rows import Json
from server.core.export.litellm_providers import BARE_NAME_PROVIDERS, LITELLM_PROVIDERS
from server.core.tables import models, offerings
from server.core.vocabulary import VISIBLE_STATUSES, ListingKind

PER_TOKEN = Decimal(1_000_000)
LISTED_STATUSES = VISIBLE_STATUSES
UNBILLABLE_LISTINGS = (ListingKind.PLAYGROUND.value, ListingKind.PRICE_UNKNOWN.value)

# Our price column -> LiteLLM's per-token field (tiers append `_above_<N>_tokens`).
_TOKEN_PRICES = {
    "input_price": "input_cost_per_token",
    "output_price": "output_cost_per_token",
    "cache_read_price": "cache_read_input_token_cost",
    "cache_write_price": "cache_creation_input_token_cost",
}
_OTHER_PRICES = {
    "reasoning_price": "output_cost_per_reasoning_token",
    "input_audio_price": "input_cost_per_audio_token",
    "output_audio_price": "output_cost_per_audio_token",
}
# Capability flags LiteLLM reads from the model's input modalities (the others: _flags).
_INPUT_FLAGS = {
    "image": "supports_vision",
    "pdf": "supports_pdf_input",
    "audio": "supports_audio_input",
    "video": "supports_video_input",
}


def per_token(price: Any) -> float:
    """USD per 1M tokens (Decimal, or its text) -> USD per token, the nearest float."""
    return float(Decimal(str(price)) / PER_TOKEN)


def tier_suffix(above_tokens: int) -> str:
    """LiteLLM's threshold spelling: 200000 -> `above_200k_tokens`, 1500 -> `above_1500_tokens`."""
    size = f"{above_tokens // 1000}k" if above_tokens % 1000 == 0 else str(above_tokens)
    return f"_above_{size}_tokens"


class ExportRow(NamedTuple):
    """One listed offering with what its entry needs from its model (listed_offerings)."""

    model_id: str
    provider_id: str
    provider_model_id: str
    listing_kind: str
    input_price: Decimal | None
    output_price: Decimal | None
    cache_read_price: Decimal | None
    cache_write_price: Decimal | None
    reasoning_price: Decimal | None
    input_audio_price: Decimal | None
    output_audio_price: Decimal | None
    request_price: Decimal | None
    price_tiers: Json  # [{"above_tokens": 200000, "input_price": "6", ...}] or None
    price_variable: bool
    max_input_tokens: int | None
    context_window: int | None
    max_output_tokens: int | None
    expires_on: date | None
    model_context_window: int | None
    model_max_output_tokens: int | None
    input_modalities: list[str]
    output_modalities: list[str]
    supports_tools: bool | None
    supports_reasoning: bool | None
    supports_structured_output: bool | None


def skip_reason(row: ExportRow) -> str | None:
    """Why this offering cannot be priced truthfully in LiteLLM's format, or None."""
    if row.provider_id not in LITELLM_PROVIDERS:
        return "provider unknown to LiteLLM"
    # A playground is a rate-limited free demo, and its 0 would make LiteLLM book real
    # usage as free; price_unknown has no price.
    if row.listing_kind in UNBILLABLE_LISTINGS:
        return f"{row.listing_kind} listing"
    if row.price_variable:
        return "price varies with the routed model"
    if row.input_price is None or row.output_price is None:
        return "input or output price unknown"
    if row.request_price is not None and row.request_price != 0:
        return "per-request price (no LiteLLM chat field)"
    outputs = list(row.output_modalities or [])
    if outputs and "text" not in outputs:
        return "model produces no text"
    return None


def _token_prices(row: ExportRow) -> dict[str, Decimal | None]:
    """Our price column -> its price, for the prices tiers can change (_TOKEN_PRICES)."""
    return {
        "input_price": row.input_price,
        "output_price": row.output_price,
        "cache_read_price": row.cache_read_price,
        "cache_write_price": row.cache_write_price,
    }


def _prices(row: ExportRow) -> dict[str, float]:
    columns = {
        **_token_prices(row),
        "reasoning_price": row.reasoning_price,
        "input_audio_price": row.input_audio_price,
        "output_audio_price": row.output_audio_price,
    }
    fields = {**_TOKEN_PRICES, **_OTHER_PRICES}
    return {fields[col]: per_token(price) for col, price in columns.items() if price is not None}


def _tiers(row: ExportRow) -> dict[str, float]:
    """Every tier written in full: a field a tier does not list keeps the base price (as
    estimateCost does), so LiteLLM, which carries a lower tier's price up, agrees."""
    out: dict[str, float] = {}
    base = _token_prices(row)
    for tier in row.price_tiers or []:
        # A tier without a threshold applies from the first token, as in estimateCost.
        suffix = tier_suffix(int(tier.get("above_tokens", 0)))
        for col, name in _TOKEN_PRICES.items():
            price = tier.get(col) if tier.get(col) is not None else base[col]
            if price is not None:
                out[name + suffix] = per_token(price)
    return out


def _limits(row: ExportRow) -> dict[str, int]:
    max_input = row.max_input_tokens or row.context_window or row.model_context_window
    max_output = row.max_output_tokens or row.model_max_output_tokens
    out: dict[str, int] = {}
    if max_input:
        out["max_input_tokens"] = int(max_input)
    if max_output:
        out["max_output_tokens"] = int(max_output)
    # LiteLLM's legacy `max_tokens`: the output limit when known, else the input limit.
    either = max_output or max_input
    if either:
        out["max_tokens"] = int(either)
    return out


def _flags(row: ExportRow) -> dict[str, bool]:
    model_flags = {
        "supports_function_calling": row.supports_tools,
        "supports_reasoning": row.supports_reasoning,
        "supports_response_schema": row.supports_structured_output,
    }
    out = {name: bool(value) for name, value in model_flags.items() if value is not None}
    inputs = set(row.input_modalities or [])
    if inputs:
        out.update({name: kind in inputs for kind, name in _INPUT_FLAGS.items()})
    out["supports_prompt_caching"] = row.cache_read_price is not None
    return out


def entry(row: ExportRow) -> dict[str, Any]:
    """One offering's LiteLLM entry (the caller has checked skip_reason)."""
    body: dict[str, Any] = {"litellm_provider": LITELLM_PROVIDERS[row.provider_id]}
    body["mode"] = "chat"
    body.update(_prices(row))
    body.update(_tiers(row))
    body.update(_limits(row))
    body.update(_flags(row))
    if row.expires_on is not None:
        body["deprecation_date"] = row.expires_on.isoformat()
    return body


def keys(row: ExportRow) -> list[str]:
    provider = LITELLM_PROVIDERS[row.provider_id]
    model_id = row.provider_model_id
    names = [f"{provider}/{model_id}"]
    if row.provider_id in BARE_NAME_PROVIDERS:
        names.append(model_id)
    return names


@dataclass(frozen=True)
class CostMap:
    entries: dict[str, dict[str, Any]]
    skipped: dict[str, int]  # reason -> offerings left out


def build_cost_map(rows: Iterable[ExportRow]) -> CostMap:
    """Rows in a stable order; the first offering to claim a key keeps it."""
    entries: dict[str, dict[str, Any]] = {}
    skipped: dict[str, int] = {}
    for row in rows:
        reason = skip_reason(row)
        if reason is not None:
            skipped[reason] = skipped.get(reason, 0) + 1
            continue
        body = entry(row)
        for key in keys(row):
            entries.setdefault(key, body)
    return CostMap(entries, skipped)


# Where each ExportRow field comes from: the offering, but for the model's own limits,
# modalities and capabilities.
EXPORT_COLUMNS: dict[str, Any] = {
    **{name: offerings.c[name] for name in ExportRow._fields if name in offerings.c},
    "model_context_window": models.c.context_window,
    "model_max_output_tokens": models.c.max_output_tokens,
    **{
        name: models.c[name]
        for name in (
            "input_modalities",
            "output_modalities",
            "supports_tools",
            "supports_reasoning",
            "supports_structured_output",
        )
    },
}


async def listed_offerings(conn: AsyncConnection) -> list[ExportRow]:
    """Every listed offering of a listed model, with the model's limits and capabilities."""
    query = (
        select(*[EXPORT_COLUMNS[name] for name in ExportRow._fields])
        .join(models, models.c.id == offerings.c.model_id)
        .where(offerings.c.status.in_(LISTED_STATUSES), models.c.status.in_(LISTED_STATUSES))
        .order_by(offerings.c.provider_id, offerings.c.provider_model_id)
    )
    return [ExportRow._make(r) for r in await conn.execute(query)]
