"""The typed rows catalog queries return: one NamedTuple per result shape.

Each is built from the SQLAlchemy result at the query boundary (`ModelRow._make(row)`),
so consumers read attributes (`row.input_price`) that mypy checks, and a renamed column or a
typo fails the type check instead of raising KeyError at run time.

Why NamedTuple: it is a real object with the declared fields, immutable, and built from a
result tuple by one C-level `tuple.__new__` (`_make`): ~0.5 ms per 1,000 model rows, where
a frozen slotted dataclass costs 12-19 ms (every field goes through object.__setattr__)
and the dicts these replaced ~5 ms (`bench/rows_bench.py construct`, BENCHMARKS.md "Typed
rows"). The price of that: a row is also a tuple (it unpacks and compares like one); the
code reads it by attribute only.

The queries select exactly `columns(RowType._fields, table)`, the type's fields in their
declared order, so a result tuple lines up with the fields by construction; tests/catalog/
test_row_types.py checks every field's annotation against its column's type and nullability.

JSONB columns are typed `Json` (Any): they hold whatever JSON the sync stored, and their
shape is read where it is used (price tiers, source stats), not promised here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Column, Table

# A decoded JSONB value (dict, list, str, number, bool or None).
Json = Any


def columns(fields: Iterable[str], table: Table) -> list[Column[Any]]:
    """The table's columns named by a row type's `_fields`, in that order."""
    return [table.c[name] for name in fields]


class ModelRow(NamedTuple):
    """A `models` row without its internal columns (search_text, content_hash)."""

    id: str
    name: str
    creator_id: str
    family: str | None
    description: str | None
    release_date: date | None
    last_updated: date | None
    knowledge_cutoff: str | None
    open_weights: bool | None
    license: str | None
    input_modalities: list[str]
    output_modalities: list[str]
    supports_tools: bool | None
    supports_reasoning: bool | None
    supports_structured_output: bool | None
    supports_attachments: bool | None
    supports_temperature: bool | None
    context_window: int | None
    max_output_tokens: int | None
    huggingface_id: str | None
    downloads: int | None
    likes: int | None
    trending_score: float | None
    intelligence_index: Decimal | None
    output_tokens_per_second: Decimal | None
    cheapest_input_price: Decimal | None
    cheapest_output_price: Decimal | None
    cheapest_any_input_price: Decimal | None
    cheapest_any_output_price: Decimal | None
    sources: list[str]
    status: str
    first_seen_at: datetime
    last_seen_at: datetime
    updated_at: datetime
    removed_at: datetime | None
    missing_syncs: int
    alias_of: str | None


class OfferingRow(NamedTuple):
    """An `offerings` row without its sync bookkeeping (content_hash, missing_syncs)."""

    id: int
    provider_id: str
    provider_model_id: str
    model_id: str
    name: str | None
    input_price: Decimal | None
    output_price: Decimal | None
    cache_read_price: Decimal | None
    cache_write_price: Decimal | None
    reasoning_price: Decimal | None
    input_audio_price: Decimal | None
    output_audio_price: Decimal | None
    request_price: Decimal | None
    image_price: Decimal | None
    price_tiers: Json  # [{"above_tokens": 200000, "input_price": "6", ...}] or None
    is_free: bool
    price_variable: bool
    listing_kind: str
    context_window: int | None
    max_input_tokens: int | None
    max_output_tokens: int | None
    expires_on: date | None
    status: str
    source: str
    provenance: Json
    first_seen_at: datetime
    last_seen_at: datetime
    updated_at: datetime
    removed_at: datetime | None


class ProviderRow(NamedTuple):
    """A `providers` row with how many visible models and active offerings it serves."""

    id: str
    name: str
    kind: str | None
    api_url: str | None
    doc_url: str | None
    env_vars: list[str]
    npm_package: str | None
    status: str
    first_seen_at: datetime
    last_seen_at: datetime
    removed_at: datetime | None
    model_count: int  # computed, not a column of `providers`
    offering_count: int  # computed, not a column of `providers`


# ProviderRow's fields that are columns of `providers` (the counts are computed).
PROVIDER_TABLE_FIELDS = ProviderRow._fields[:-2]


class ScoreRow(NamedTuple):
    id: int
    model_id: str
    source: str
    metric: str
    variant: str
    value: Decimal
    unit: str | None
    self_reported: bool
    measured_at: datetime | None
    updated_at: datetime


class ExternalIdRow(NamedTuple):
    source: str
    external_id: str
    model_id: str
    match_method: str
    confidence: float
    first_seen_at: datetime


class ChangeRow(NamedTuple):
    id: int
    sync_run_id: int | None
    at: datetime
    entity: str
    entity_id: str
    model_id: str | None
    provider_id: str | None
    kind: str
    field: str | None
    old_value: Json
    new_value: Json


class SyncRunRow(NamedTuple):
    id: int
    trigger: str
    status: str
    sources: list[str]
    started_at: datetime
    finished_at: datetime | None
    total_fetched: int
    total_stored: int
    total_changed: int
    message: str | None
    source_stats: Json  # {source: {"status": ..., "fetched": ...}}; NOT NULL, '{}' default
    replica_id: str | None
