"""Price history and "price as of a date", reconstructed from change events (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from server.core.catalog.rows import ChangeRow, OfferingRow
from server.core.tables import OFFERING_PRICE_COLUMNS, offering_entity_id

PRICE_FIELDS = OFFERING_PRICE_COLUMNS


@dataclass(frozen=True)
class PricePoint:
    at: datetime
    field: str
    old: Decimal | None
    new: Decimal | None


def as_decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def offering_key(offering: OfferingRow) -> str:
    """How change events name an offering (see server.core.tables.offering_entity_id)."""
    return offering_entity_id(offering.provider_id, offering.provider_model_id)


def offering_price_changes(offering: OfferingRow, events: Iterable[ChangeRow]) -> list[PricePoint]:
    """This offering's price_changed events, newest first."""
    key = offering_key(offering)
    points = [
        PricePoint(e.at, e.field, as_decimal(e.old_value), as_decimal(e.new_value))
        for e in events
        if e.kind == "price_changed"
        and e.entity_id == key
        and e.field is not None
        and e.field in PRICE_FIELDS
    ]
    return sorted(points, key=lambda p: p.at, reverse=True)


class Prices(NamedTuple):
    """An offering's price card (every price column), USD per 1M tokens."""

    input_price: Decimal | None
    output_price: Decimal | None
    cache_read_price: Decimal | None
    cache_write_price: Decimal | None
    reasoning_price: Decimal | None
    input_audio_price: Decimal | None
    output_audio_price: Decimal | None
    request_price: Decimal | None
    image_price: Decimal | None


def current_prices(offering: OfferingRow) -> Prices:
    return Prices(
        offering.input_price,
        offering.output_price,
        offering.cache_read_price,
        offering.cache_write_price,
        offering.reasoning_price,
        offering.input_audio_price,
        offering.output_audio_price,
        offering.request_price,
        offering.image_price,
    )


def price_at(offering: OfferingRow, events: Iterable[ChangeRow], when: datetime) -> Prices | None:
    """The offering's prices at `when`: undo every change after it. None if not yet listed."""
    if offering.first_seen_at > when:
        return None
    undone: dict[str, Decimal | None] = {}
    # Newest first: the oldest change after `when` is applied last, so its old value wins.
    for point in offering_price_changes(offering, events):
        if point.at > when:
            undone[point.field] = point.old
    return current_prices(offering)._replace(**undone)
