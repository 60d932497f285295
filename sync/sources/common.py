"""Helpers shared by the adapters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from server.core.limits import MAX_RECORD_TEXT_LENGTH
from server.core.storable_text import holds_nul
from sync.records import InvalidRecord, Normalized, RawRecord, SourceItem

# External id given to a row without a usable `id`: kept out of source_records, counted invalid.
_MISSING_ID_PREFIX = "#invalid-"


def id_keyed_records(source: str, rows: list[Any]) -> list[RawRecord]:
    """Raw records keyed by each row's `id` string (OpenRouter, Hugging Face, AA)."""
    out = []
    for index, row in enumerate(rows):
        key = row.get("id") if isinstance(row, dict) else None
        external_id = key if isinstance(key, str) and key else f"{_MISSING_ID_PREFIX}{index}"
        out.append(RawRecord(source, external_id, row if isinstance(row, dict) else {}))
    return out


def normalize_each(
    source: str, raw: list[RawRecord], to_item: Callable[[RawRecord], SourceItem]
) -> Normalized:
    """Apply to_item to every record; a bad record is counted with its reason, never fatal."""
    result = Normalized(source, raw=[r for r in raw if not r.external_id.startswith("#")])
    for record in raw:
        try:
            if record.external_id.startswith("#"):
                raise InvalidRecord("id is missing")
            result.items.append(to_item(record))
        except InvalidRecord as exc:
            result.reject(record.external_id, str(exc))
    return finish(result)


def finish(result: Normalized) -> Normalized:
    """Drop duplicate external ids (first wins) so one record never counts twice, ids too
    long to store, and records holding a NUL anywhere (PostgreSQL text and jsonb cannot
    store one: a single such record used to fail the whole write). Rejected records are
    kept out of source_records too."""
    unstorable = {r.external_id for r in result.raw if holds_nul((r.external_id, r.payload))}
    result.raw = _storable(result.raw, unstorable)
    result.providers = [p for p in result.providers if p.id not in unstorable]
    seen: set[str] = set()
    unique = []
    for item in result.items:
        if item.external_id in unstorable:
            result.reject(item.external_id, "contains a NUL character")
            continue
        if len(item.external_id) > MAX_RECORD_TEXT_LENGTH:
            result.reject(
                item.external_id, f"id is longer than {MAX_RECORD_TEXT_LENGTH} characters"
            )
            continue
        if item.external_id in seen:
            result.reject(item.external_id, "duplicate id")
            continue
        seen.add(item.external_id)
        unique.append(item)
    result.items = unique
    return result


def _storable(raw: list[RawRecord], unstorable: set[str]) -> list[RawRecord]:
    """The raw records source_records can take: one per id (the first, as for the items;
    two rows with one key would fail the whole upsert), none with an id too long to index,
    none holding a NUL."""
    seen: set[str] = set(unstorable)
    out = []
    for record in raw:
        if len(record.external_id) <= MAX_RECORD_TEXT_LENGTH and record.external_id not in seen:
            seen.add(record.external_id)
            out.append(record)
    return out
