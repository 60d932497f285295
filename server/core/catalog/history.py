"""Price history and "price as of a date", reconstructed from change events (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from server.core.catalog.rows import Row
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


def offering_key(offering: Row) -> str:
    """How change events name an offering (see server.core.tables.offering_entity_id)."""
    return offering_entity_id(offering["provider_id"], offering["provider_model_id"])


def offering_price_changes(offering: Row, events: Iterable[Row]) -> list[PricePoint]:
    """This offering's price_changed events, newest first."""
    points = [
        PricePoint(e["at"], e["field"], as_decimal(e["old_value"]), as_decimal(e["new_value"]))
        for e in events
        if e["kind"] == "price_changed"
        and e["entity_id"] == offering_key(offering)
        and e["field"] in PRICE_FIELDS
    ]
    return sorted(points, key=lambda p: p.at, reverse=True)


def price_at(
    offering: Row, events: Iterable[Row], when: datetime
) -> dict[str, Decimal | None] | None:
    """The offering's prices at `when`: undo every change after it. None if not yet listed."""
    if offering["first_seen_at"] > when:
        return None
    prices = {f: as_decimal(offering[f]) for f in PRICE_FIELDS}
    for point in offering_price_changes(offering, events):
        if point.at > when:
            prices[point.field] = point.old
    return prices
