"""Build model and offering rows (column -> value dicts) from source items. Pure."""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal
from typing import Any

from sync.display_names import display_name
from sync.records import PRICE_FIELDS, ModelFacts, Normalized, OfferingFacts, SourceItem

_FACT_COLUMNS = [f.name for f in fields(ModelFacts) if f.name != "deprecated"]
_POPULARITY = ("downloads", "likes", "trending_score")
_LIMITS = ("context_window", "max_input_tokens", "max_output_tokens")


def model_row(mid: str, items: list[SourceItem]) -> dict[str, Any]:
    """Items are in priority order; each column takes the first value a source gives."""
    row: dict[str, Any] = {"id": mid, "creator_id": mid.split("/", 1)[0]}
    for column in _FACT_COLUMNS:
        row[column] = _first(items, column)
    # After identity matching (which reads the raw names): a slug becomes a readable name;
    # the raw one stays in the offering's name and the source record.
    row["name"] = display_name(row["name"])
    for column in _POPULARITY:  # only Hugging Face measures popularity
        row[column] = next(
            (getattr(i.model, column) for i in items if i.source == "huggingface"), None
        )
    lead = items[0]
    row["status"] = "deprecated" if lead.model.deprecated else "active"
    row["sources"] = sorted({i.source for i in items})
    row["input_modalities"] = list(row["input_modalities"] or ())
    row["output_modalities"] = list(row["output_modalities"] or ())
    # Cheapest prices are not the merge's: sync.write derives them from stored offerings.
    for column in ("intelligence_index", "output_tokens_per_second"):
        row[column] = None
    return row


def _first(items: list[SourceItem], column: str) -> Any:
    for item in items:
        value = getattr(item.model, column)
        if value is not None and value != ():
            return value
    return None


def own_api_providers(sources: list[Normalized]) -> frozenset[str]:
    """Providers whose own API is one of the sources (OpenRouter): that source alone decides
    which of the provider's offerings exist; another source's copy (models.dev's
    `openrouter` entries) is provenance only. A source counts once it has records, whether
    fetched now or replayed from storage, so a failed fetch never removes anything."""
    return frozenset(
        n.source
        for n in sources
        if any(i.offering is not None and i.offering.provider_id == n.source for i in n.items)
    )


def offering_facts(offering: OfferingFacts) -> dict[str, Any]:
    values: dict[str, Any] = dict(offering.prices.as_dict())
    values.update({limit: getattr(offering, limit) for limit in _LIMITS})
    values["is_free"] = offering.prices.is_free
    values["price_variable"] = offering.prices.variable
    values["listing_kind"] = offering.listing_kind
    return values


def offering_row(mid: str, winner: SourceItem, others: list[SourceItem]) -> dict[str, Any]:
    """The winning source's values; the others' kept as provenance with disagreements."""
    assert winner.offering is not None
    offer = winner.offering
    row: dict[str, Any] = {
        "provider_id": offer.provider_id,
        "provider_model_id": offer.provider_model_id,
        "model_id": mid,
        "name": offer.name,
        **offering_facts(offer),
        "price_tiers": [dict(t) for t in offer.prices.tiers] or None,
        "expires_on": offer.expires_on,
        "status": "deprecated" if offer.deprecated else "active",
        "source": winner.source,
        "provenance": _provenance(winner, others) if others else None,
    }
    return row


def _provenance(winner: SourceItem, others: list[SourceItem]) -> dict[str, Any]:
    assert winner.offering is not None
    ours = offering_facts(winner.offering)
    out: dict[str, Any] = {}
    for item in others:
        assert item.offering is not None
        theirs = offering_facts(item.offering)
        disagreements = {
            key: {winner.source: _plain(ours[key]), item.source: _plain(value)}
            for key, value in theirs.items()
            if value is not None and ours.get(key) is not None and value != ours[key]
        }
        out[item.source] = {
            "values": {k: _plain(v) for k, v in theirs.items() if v is not None},
            "disagreements": disagreements,
        }
    return out


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


__all__ = ["PRICE_FIELDS", "model_row", "offering_facts", "offering_row", "own_api_providers"]
