"""Pure helpers over a model's offering rows: filter, sort, cheapest."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from server.core.catalog.filters import OfferingFilter, OfferingSortField
from server.core.catalog.rows import OfferingRow
from server.core.vocabulary import PAID_KINDS, WITH_FREE_KINDS

_BIG = Decimal("Infinity")


def filter_offerings(rows: Iterable[OfferingRow], flt: OfferingFilter) -> list[OfferingRow]:
    def keep(row: OfferingRow) -> bool:
        if row.status not in flt.statuses:
            return False
        if flt.provider and row.provider_id != flt.provider.lower():
            return False
        if flt.free_only and not row.is_free:
            return False
        if flt.listing_kinds and row.listing_kind not in flt.listing_kinds:
            return False
        price = row.input_price
        return flt.max_input_price is None or (price is not None and price <= flt.max_input_price)

    return [row for row in rows if keep(row)]


# The value each sort orders by (None sorts last whatever the direction).
_SORT_KEYS: dict[OfferingSortField, Callable[[OfferingRow], Any]] = {
    OfferingSortField.INPUT_PRICE: lambda r: r.input_price,
    OfferingSortField.OUTPUT_PRICE: lambda r: r.output_price,
    OfferingSortField.CONTEXT_WINDOW: lambda r: r.context_window,
    OfferingSortField.PROVIDER: lambda r: r.provider_id,
}


def _tie(row: OfferingRow) -> tuple[str, str]:
    return row.provider_id, row.provider_model_id


def sort_offerings(
    rows: list[OfferingRow], field: OfferingSortField, descending: bool
) -> list[OfferingRow]:
    """Nulls last in both directions; provider and provider model id break ties."""
    value = _SORT_KEYS[field]
    known = [r for r in rows if value(r) is not None]
    unknown = [r for r in rows if value(r) is None]
    ordered = sorted(sorted(known, key=_tie), key=value, reverse=descending)
    return ordered + sorted(unknown, key=_tie)


def blended_price(row: OfferingRow) -> Decimal:
    """Input + output price, the usual 'cheapest' yardstick; unknown sorts last."""
    if row.input_price is None or row.output_price is None:
        return _BIG
    return Decimal(row.input_price) + Decimal(row.output_price)


def cheapest(rows: Iterable[OfferingRow], include_free: bool = False) -> OfferingRow | None:
    """The model's price: its active offering with the lowest known input + output price,
    ties by provider id then the provider's model id. Paid listings only unless
    `include_free` (free tiers and playgrounds too). sync.cheapest stores the same choice
    on the model row (cheapest_* / cheapest_any_*), which the price sorts and filters use.
    """
    kinds = WITH_FREE_KINDS if include_free else PAID_KINDS
    candidates = [
        r
        for r in rows
        if r.status == "active" and r.listing_kind in kinds and blended_price(r) != _BIG
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda r: (blended_price(r), *_tie(r)))
