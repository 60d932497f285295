"""Typed catalog rows for tests of the pure helpers: every field given, the rest neutral."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from server.core.catalog.rows import ChangeRow, OfferingRow

SEEN = datetime(2024, 1, 1, tzinfo=UTC)

_OFFERING: dict[str, Any] = {
    **dict.fromkeys(OfferingRow._fields),
    "id": 1,
    "provider_id": "openai",
    "provider_model_id": "m",
    "model_id": "openai/m",
    "is_free": False,
    "price_variable": False,
    "listing_kind": "paid",
    "status": "active",
    "source": "models.dev",
    "first_seen_at": SEEN,
    "last_seen_at": SEEN,
    "updated_at": SEEN,
}

_CHANGE: dict[str, Any] = {
    **dict.fromkeys(ChangeRow._fields),
    "id": 1,
    "at": SEEN,
    "entity": "offering",
    "entity_id": "openai:m",
    "kind": "price_changed",
}


def offering_row(**fields: Any) -> OfferingRow:
    """An active paid offering with unknown prices, but for `fields`."""
    return OfferingRow(**{**_OFFERING, **fields})


def change_row(**fields: Any) -> ChangeRow:
    return ChangeRow(**{**_CHANGE, **fields})
