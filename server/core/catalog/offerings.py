"""Pure helpers over a model's offering rows: filter, sort, cheapest."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from server.core.catalog.filters import OfferingFilter, OfferingSortField
from server.core.catalog.rows import Row
from server.core.vocabulary import PAID_KINDS, WITH_FREE_KINDS

_BIG = Decimal("Infinity")


def filter_offerings(rows: Iterable[Row], flt: OfferingFilter) -> list[Row]:
    def keep(row: Row) -> bool:
        if row["status"] not in flt.statuses:
            return False
        if flt.provider and row["provider_id"] != flt.provider.lower():
            return False
        if flt.free_only and not row["is_free"]:
            return False
        if flt.listing_kinds and row["listing_kind"] not in flt.listing_kinds:
            return False
        price = row["input_price"]
        return flt.max_input_price is None or (price is not None and price <= flt.max_input_price)

    return [row for row in rows if keep(row)]


def _key(field: OfferingSortField) -> Any:
    return {
        OfferingSortField.INPUT_PRICE: "input_price",
        OfferingSortField.OUTPUT_PRICE: "output_price",
        OfferingSortField.CONTEXT_WINDOW: "context_window",
        OfferingSortField.PROVIDER: "provider_id",
    }[field]


def sort_offerings(rows: list[Row], field: OfferingSortField, descending: bool) -> list[Row]:
    """Nulls last in both directions; provider and provider model id break ties."""
    column = _key(field)
    known = [r for r in rows if r[column] is not None]
    unknown = [r for r in rows if r[column] is None]
    tie = sorted(known, key=lambda r: (r["provider_id"], r["provider_model_id"]))
    ordered = sorted(tie, key=lambda r: r[column], reverse=descending)
    return ordered + sorted(unknown, key=lambda r: (r["provider_id"], r["provider_model_id"]))


def blended_price(row: Row) -> Decimal:
    """Input + output price, the usual 'cheapest' yardstick; unknown sorts last."""
    if row["input_price"] is None or row["output_price"] is None:
        return _BIG
    return Decimal(row["input_price"]) + Decimal(row["output_price"])


def cheapest(rows: Iterable[Row], include_free: bool = False) -> Row | None:
    """The model's price: its active offering with the lowest known input + output price,
    ties by provider id then the provider's model id. Paid listings only unless
    `include_free` (free tiers and playgrounds too). sync.cheapest stores the same choice
    on the model row (cheapest_* / cheapest_any_*), which the price sorts and filters use.
    """
    kinds = WITH_FREE_KINDS if include_free else PAID_KINDS
    candidates = [
        r
        for r in rows
        if r["status"] == "active" and r["listing_kind"] in kinds and blended_price(r) != _BIG
    ]
    if not candidates:
        return None
    return min(
        candidates, key=lambda r: (blended_price(r), r["provider_id"], r["provider_model_id"])
    )
