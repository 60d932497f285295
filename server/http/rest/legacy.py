"""The flat legacy Model record of the original service (DESIGN §6), built from our rows.

The 18 legacy fields keep their JSON types: numbers, strings, booleans, string lists, with
0 and "" where a value is unknown, exactly as the original did. Extra fields say what the
legacy zeros hide (`pricingKnown`) and where the prices came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from server.core.catalog.offerings import cheapest
from server.core.catalog.rows import ModelRow, OfferingRow
from server.core.vocabulary import EntityStatus

NEW_FOR_DAYS = 30
# A plain str: an enum member looked up per offering costs ~0.2 µs (measured with timeit).
_ACTIVE = EntityStatus.ACTIVE.value
LEGACY_FIELDS = (
    "id",
    "name",
    "provider",
    "contextWindow",
    "maxOutputTokens",
    "inputCost",
    "outputCost",
    "cacheReadCost",
    "cacheWriteCost",
    "modalities",
    "capabilities",
    "releaseDate",
    "lastUpdated",
    "knowledge",
    "openWeights",
    "supportsTemperature",
    "supportsAttachments",
    "new",
)


def pricing_offering(
    offerings: Sequence[OfferingRow], include_free: bool = False
) -> OfferingRow | None:
    """The offering whose prices the record shows: the model's cheapest paid offering (or
    cheapest with free tiers, when asked), the one rule `sort=inputPrice` orders by."""
    return cheapest(offerings, include_free)


def _number(value: Decimal | int | float | None) -> float | int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    number = float(value)
    return int(number) if number.is_integer() else number


def _iso(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def _modalities(model: ModelRow) -> list[str]:
    # Legacy: input then output modalities, duplicates removed, order kept.
    return list(dict.fromkeys([*model.input_modalities, *model.output_modalities]))


def _capabilities(model: ModelRow) -> list[str]:
    names = []
    if model.supports_tools:
        names.append("tools")
    if model.supports_reasoning:
        names.append("reasoning")
    return names


def is_new(release_date: date | None, today: date) -> bool:
    return release_date is not None and release_date >= today - timedelta(days=NEW_FOR_DAYS)


def legacy_model(
    model: ModelRow, offerings: Sequence[OfferingRow], today: date, include_free: bool = False
) -> dict[str, Any]:
    priced = pricing_offering(offerings, include_free)
    return {
        "id": model.id,
        "name": model.name,
        "provider": model.creator_id,
        "contextWindow": _number(model.context_window),
        "maxOutputTokens": _number(model.max_output_tokens),
        "inputCost": _number(priced.input_price) if priced is not None else 0,
        "outputCost": _number(priced.output_price) if priced is not None else 0,
        "cacheReadCost": _number(priced.cache_read_price) if priced is not None else 0,
        "cacheWriteCost": _number(priced.cache_write_price) if priced is not None else 0,
        "modalities": _modalities(model),
        "capabilities": _capabilities(model),
        "releaseDate": _iso(model.release_date),
        "lastUpdated": _iso(model.last_updated),
        "knowledge": model.knowledge_cutoff or "",
        "openWeights": bool(model.open_weights),
        "supportsTemperature": bool(model.supports_temperature),
        "supportsAttachments": bool(model.supports_attachments),
        "new": is_new(model.release_date, today),
        # Extensions (legacy clients ignore unknown keys).
        "pricingKnown": priced is not None
        and priced.input_price is not None
        and priced.output_price is not None,
        "pricingProvider": priced.provider_id if priced is not None else "",
        "pricingListingKind": priced.listing_kind if priced is not None else "",
        "offeringsCount": sum(1 for o in offerings if o.status == _ACTIVE),
        "status": model.status,
    }
