"""Diff the merged catalog against the database and write only what changed.

Runs inside ONE transaction opened by the caller. Rows whose content hash is unchanged
are not written. Things a succeeded source no longer lists get `missing_syncs + 1` and
are marked removed at REMOVAL_GRACE; a failed source's rows are never counted missing
(its stored records were replayed into the merge, so they are all present).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information

from server.core.tables import offering_entity_id
from server.core.vocabulary import ChangeEntity, ChangeKind, EntityStatus
from sync.bulk import content_hash, copy_upsert, to_json
from sync.cheapest import refresh_cheapest_prices
from sync.merge import Catalog
from sync.records import PRICE_FIELDS, RawRecord

REMOVAL_GRACE = 2  # consecutive successful syncs of a source that must miss a row
_LIMITS = ("context_window", "max_input_tokens", "max_output_tokens")
MODEL_COLUMNS = (
    "id", "name", "creator_id", "family", "description", "release_date", "last_updated",
    "knowledge_cutoff", "open_weights", "license", "input_modalities", "output_modalities",
    "supports_tools", "supports_reasoning", "supports_structured_output",
    "supports_attachments", "supports_temperature", "context_window", "max_output_tokens",
    "huggingface_id", "downloads", "likes", "trending_score", "intelligence_index",
    "output_tokens_per_second", "sources", "status", "alias_of",
)  # fmt: skip
OFFERING_COLUMNS = (
    "provider_id", "provider_model_id", "model_id", "name", *PRICE_FIELDS, "price_tiers",
    "is_free", "price_variable", "listing_kind", *_LIMITS, "expires_on", "status", "source",
    "provenance",
)  # fmt: skip
_JSON_COLUMNS = {"price_tiers", "provenance"}
_SELECT_OFFERINGS = (
    "SELECT id, provider_id, provider_model_id, model_id, status, source, content_hash, "  # noqa: S608 - constant column names
    f"missing_syncs, {', '.join(PRICE_FIELDS)}, {', '.join(_LIMITS)} FROM offerings"
)


@dataclass
class Change:
    entity: ChangeEntity
    entity_id: str
    kind: ChangeKind
    model_id: str | None = None
    provider_id: str | None = None
    field: str | None = None
    old: Any = None
    new: Any = None


@dataclass
class WriteStats:
    changes: list[Change] = field(default_factory=list)
    upserted: Counter[str] = field(default_factory=Counter)  # per source
    unchanged: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)
    rows_written: int = 0

    def change(
        self, entity: ChangeEntity, entity_id: str, kind: ChangeKind, **details: Any
    ) -> None:
        self.changes.append(Change(entity, entity_id, kind, **details))


def _json_value(value: Any) -> Any:
    return str(value) if value is not None and not isinstance(value, bool | int | str) else value


async def write_catalog(
    conn: asyncpg.Connection,
    run_id: int,
    catalog: Catalog,
    records: dict[str, list[RawRecord]],
) -> WriteStats:
    """`records` holds the raw records of each source that succeeded in this run."""
    stats = WriteStats()
    succeeded = set(records)
    await _write_providers(conn, catalog, stats)
    await _write_models(conn, catalog, stats)
    await _write_offerings(conn, catalog, succeeded, stats)
    stats.rows_written += await refresh_cheapest_prices(conn)
    await _write_scores(conn, catalog, succeeded, stats)
    await _write_external_ids(conn, catalog, stats)
    await _write_source_records(conn, catalog, records, stats)
    await _insert_changes(conn, run_id, stats.changes)
    if stats.rows_written or stats.changes:
        await conn.execute(
            "UPDATE catalog_state SET version = version + 1, updated_at = now() WHERE id = 1"
        )
    return stats


async def _write_providers(conn: asyncpg.Connection, catalog: Catalog, stats: WriteStats) -> None:
    current = {
        r["id"]: r
        for r in await conn.fetch(
            "SELECT id, name, kind, api_url, doc_url, env_vars, npm_package FROM providers"
        )
    }
    rows = []
    for p in catalog.providers.values():
        row = (p.id, p.name, p.kind, p.api_url, p.doc_url, list(p.env_vars), p.npm_package)
        old = current.get(p.id)
        if old is None:
            stats.change(ChangeEntity.PROVIDER, p.id, ChangeKind.ADDED, provider_id=p.id)
        elif tuple(old.values()) == row:
            continue
        rows.append(row)
    columns = ("id", "name", "kind", "api_url", "doc_url", "env_vars", "npm_package")
    stats.rows_written += await copy_upsert(
        conn, "providers", columns, rows, ("id",), touch=("last_seen_at",)
    )


async def _write_models(conn: asyncpg.Connection, catalog: Catalog, stats: WriteStats) -> None:
    current = {
        r["id"]: r
        for r in await conn.fetch("SELECT id, status, content_hash, missing_syncs FROM models")
    }
    rows = []
    for mid, model in catalog.models.items():
        digest = content_hash(model)
        old = current.get(mid)
        if old is None:
            stats.change(ChangeEntity.MODEL, mid, ChangeKind.ADDED, model_id=mid)
        elif old["content_hash"] == digest and old["missing_syncs"] == 0:
            continue
        elif old["status"] == EntityStatus.REMOVED:
            stats.change(ChangeEntity.MODEL, mid, ChangeKind.RESTORED, model_id=mid)
        elif old["status"] != model["status"]:
            stats.change(ChangeEntity.MODEL, mid, ChangeKind.STATUS_CHANGED, model_id=mid,
                         field="status", old=old["status"], new=model["status"])  # fmt: skip
        rows.append((*(model[c] for c in MODEL_COLUMNS), digest, 0, None))
    stats.rows_written += await copy_upsert(
        conn, "models", (*MODEL_COLUMNS, "content_hash", "missing_syncs", "removed_at"), rows,
        ("id",), touch=("updated_at", "last_seen_at"),
    )  # fmt: skip
    missing = [
        (mid, old) for mid, old in current.items()
        if mid not in catalog.models and old["status"] != EntityStatus.REMOVED
    ]  # fmt: skip
    await _count_missing(conn, "models", "id", missing, stats, entity=ChangeEntity.MODEL)


async def _count_missing(
    conn: asyncpg.Connection,
    table: str,
    key: str,
    missing: list[tuple[Any, asyncpg.Record]],
    stats: WriteStats,
    entity: ChangeEntity,
) -> None:
    """missing_syncs + 1; at the grace limit the row becomes `removed` with an event."""
    if not missing:
        return
    removed = []
    for ident, old in missing:
        if old["missing_syncs"] + 1 >= REMOVAL_GRACE:
            removed.append(ident)
            model_id = ident if entity == ChangeEntity.MODEL else old["model_id"]
            provider_id = old["provider_id"] if entity == ChangeEntity.OFFERING else None
            entity_id = (
                ident
                if entity == ChangeEntity.MODEL
                else offering_entity_id(old["provider_id"], old["provider_model_id"])
            )
            stats.change(
                entity, entity_id, ChangeKind.REMOVED, model_id=model_id, provider_id=provider_id
            )
            if entity == ChangeEntity.OFFERING:
                stats.removed[old["source"]] += 1
    ids = [ident for ident, _ in missing]
    await conn.execute(
        f"UPDATE {table} SET missing_syncs = missing_syncs + 1 WHERE {key} = ANY($1)",  # noqa: S608 - table is ours
        ids,
    )
    if removed:
        await conn.execute(
            f"UPDATE {table} SET status = 'removed', removed_at = now(), updated_at = now() "  # noqa: S608 - table is ours
            f"WHERE {key} = ANY($1)",
            removed,
        )
    stats.rows_written += len(ids)


async def _write_offerings(
    conn: asyncpg.Connection, catalog: Catalog, succeeded: set[str], stats: WriteStats
) -> None:
    current = {
        (r["provider_id"], r["provider_model_id"]): r for r in await conn.fetch(_SELECT_OFFERINGS)
    }
    rows = []
    for key, offer in catalog.offerings.items():
        digest = content_hash(offer)
        old = current.get(key)
        if old is not None and old["content_hash"] == digest and old["missing_syncs"] == 0:
            stats.unchanged[offer["source"]] += 1
            continue
        _offering_changes(key, offer, old, stats)
        stats.upserted[offer["source"]] += 1
        values = [to_json(offer[c]) if c in _JSON_COLUMNS else offer[c] for c in OFFERING_COLUMNS]
        rows.append((*values, digest, 0, None))
    stats.rows_written += await copy_upsert(
        conn, "offerings", (*OFFERING_COLUMNS, "content_hash", "missing_syncs", "removed_at"),
        rows, ("provider_id", "provider_model_id"), touch=("updated_at", "last_seen_at"),
    )  # fmt: skip
    missing = [
        (old["id"], old) for key, old in current.items()
        if key not in catalog.offerings and old["status"] != EntityStatus.REMOVED
        and old["source"] in succeeded
    ]  # fmt: skip
    await _count_missing(conn, "offerings", "id", missing, stats, entity=ChangeEntity.OFFERING)


def _offering_changes(
    key: tuple[str, str], new: dict[str, Any], old: asyncpg.Record | None, stats: WriteStats
) -> None:
    provider_id, provider_model_id = key
    ident = offering_entity_id(provider_id, provider_model_id)
    common = {"model_id": new["model_id"], "provider_id": provider_id}
    if old is None:
        stats.change(ChangeEntity.OFFERING, ident, ChangeKind.ADDED, **common)
        return
    if old["status"] == EntityStatus.REMOVED:
        stats.change(ChangeEntity.OFFERING, ident, ChangeKind.RESTORED, **common)
    elif old["status"] != new["status"]:
        stats.change(ChangeEntity.OFFERING, ident, ChangeKind.STATUS_CHANGED, field="status",
                     old=old["status"], new=new["status"], **common)  # fmt: skip
    for kind, names in (
        (ChangeKind.PRICE_CHANGED, PRICE_FIELDS),
        (ChangeKind.LIMITS_CHANGED, _LIMITS),
    ):
        for name in names:
            if old[name] != new[name]:
                stats.change(ChangeEntity.OFFERING, ident, kind, field=name,
                             old=_json_value(old[name]), new=_json_value(new[name]),
                             **common)  # fmt: skip


async def _write_scores(
    conn: asyncpg.Connection, catalog: Catalog, succeeded: set[str], stats: WriteStats
) -> None:
    current = {
        (r["model_id"], r["source"], r["metric"], r["variant"]): r
        for r in await conn.fetch(
            "SELECT id, model_id, source, metric, variant, value, unit FROM scores"
        )
    }
    rows = []
    for key, score in catalog.scores.items():
        old = current.get(key)
        if old is not None and old["value"] == score["value"] and old["unit"] == score["unit"]:
            continue
        if old is not None and old["value"] != score["value"]:
            stats.change(ChangeEntity.SCORE, "/".join(key), ChangeKind.SCORE_CHANGED,
                         model_id=key[0], field=key[2], old=str(old["value"]),
                         new=str(score["value"]))  # fmt: skip
        rows.append((*key, score["value"], score["unit"], score["self_reported"]))
    columns = ("model_id", "source", "metric", "variant", "value", "unit", "self_reported")
    stats.rows_written += await copy_upsert(
        conn, "scores", columns, rows, columns[:4], touch=("updated_at",)
    )
    gone = [(k, r) for k, r in current.items() if k not in catalog.scores and k[1] in succeeded]
    for key, old in gone:  # a score the source no longer reports: new value NULL
        stats.change(ChangeEntity.SCORE, "/".join(key), ChangeKind.SCORE_CHANGED,
                     model_id=key[0], field=key[2], old=str(old["value"]), new=None)  # fmt: skip
    if gone:
        await conn.execute(
            "DELETE FROM scores WHERE id = ANY($1::bigint[])", [r["id"] for _, r in gone]
        )
        stats.rows_written += len(gone)


async def _write_external_ids(
    conn: asyncpg.Connection, catalog: Catalog, stats: WriteStats
) -> None:
    current = {
        (r["source"], r["external_id"]): (r["model_id"], r["match_method"])
        for r in await conn.fetch(
            "SELECT source, external_id, model_id, match_method FROM external_ids"
        )
    }
    rows = [
        (source, ext, link.model_id, link.method)
        for (source, ext), link in catalog.external_ids.items()
        if current.get((source, ext)) != (link.model_id, link.method)
    ]
    columns = ("source", "external_id", "model_id", "match_method")
    stats.rows_written += await copy_upsert(conn, "external_ids", columns, rows, columns[:2])


async def _write_source_records(
    conn: asyncpg.Connection,
    catalog: Catalog,
    records: dict[str, list[RawRecord]],
    stats: WriteStats,
) -> None:
    if not records:
        return
    current = {
        (r["source"], r["external_id"]): r
        for r in await conn.fetch(
            "SELECT source, external_id, content_hash, model_id, missing_syncs, removed_at "
            "FROM source_records WHERE source = ANY($1::text[])",
            list(records),
        )
    }
    rows = []
    seen = set()
    for source, raws in records.items():
        for raw in raws:
            key = (source, raw.external_id)
            seen.add(key)
            digest = content_hash(raw.payload)
            mid = catalog.record_models.get(key)
            old = current.get(key)
            if (
                old is not None
                and old["content_hash"] == digest
                and old["model_id"] == mid
                and old["missing_syncs"] == 0
                and old["removed_at"] is None
            ):
                continue
            rows.append((source, raw.external_id, to_json(raw.payload), digest, mid, 0, None))
    columns = (
        "source", "external_id", "payload", "content_hash", "model_id", "missing_syncs",
        "removed_at",
    )  # fmt: skip
    stats.rows_written += await copy_upsert(
        conn, "source_records", columns, rows, columns[:2], touch=("last_seen_at",)
    )
    missing = [k for k, r in current.items() if k not in seen and r["removed_at"] is None]
    if missing:
        await conn.execute(
            "UPDATE source_records s SET missing_syncs = s.missing_syncs + 1, "
            "removed_at = CASE WHEN s.missing_syncs + 1 >= $3 THEN now() END "
            "FROM unnest($1::text[], $2::text[]) AS m(source, external_id) "
            "WHERE s.source = m.source AND s.external_id = m.external_id",
            [k[0] for k in missing],
            [k[1] for k in missing],
            REMOVAL_GRACE,
        )
        stats.rows_written += len(missing)


async def _insert_changes(conn: asyncpg.Connection, run_id: int, changes: list[Change]) -> None:
    if not changes:
        return
    columns = (
        "sync_run_id", "entity", "entity_id", "model_id", "provider_id", "kind", "field",
        "old_value", "new_value",
    )  # fmt: skip
    rows = [
        (run_id, c.entity, c.entity_id, c.model_id, c.provider_id, c.kind, c.field,
         to_json(c.old), to_json(c.new))
        for c in changes
    ]  # fmt: skip
    await conn.copy_records_to_table("changes", records=rows, columns=list(columns))
