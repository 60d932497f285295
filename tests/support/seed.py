"""A small, rich, hand-written catalog for integration tests (INTERFACES §B).

`await seed_catalog(engine)` inserts the rows below in one transaction and bumps
`catalog_state.version` by one. Every value is written out here so tests can check results
by hand. Prices are USD per 1M tokens (NUMERIC); unknown is NULL, never 0.

Providers (6): openai (lab), anthropic (lab), google (lab), mistral (lab),
deepinfra (host), openrouter (router).

Models (10), id -> notable facts:
- openai/gpt-4o            active; tools, attachments, temperature, structured output;
                           text+image in; ctx 128000; out 16384; released 2024-05-13;
                           offerings openai (2.5/10, cache read 1.25) and openrouter
                           "openai/gpt-4o" (2.5/10); intelligence 29.7, 110.5 tok/s;
                           a price_changed event: openai input 5 -> 2.5 at 2024-08-06 (run 1);
                           the openai offering was first seen 2024-05-13.
- openai/gpt-4o-mini       active; ctx 128000; released 2024-07-18; openai 0.15/0.6.
- openai/gpt-3.5-turbo     REMOVED (removed_at 2025-06-01); openai 0.5/1.5 (offering removed).
- anthropic/claude-sonnet-4  active; reasoning; ctx 1000000; out 64000; released 2025-05-22;
                           anthropic 3/15, cache read 0.3, cache write 3.75, with a
                           long-context tier above 200000 input tokens: input 6, output 22.5;
                           openrouter "anthropic/claude-sonnet-4" 3/15 (no tier);
                           intelligence 44.4 (AA, plus a "-thinking" variant 57.1).
- anthropic/claude-opus-4-1  active; reasoning; ctx 200000; released 2025-08-05; anthropic 15/75.
- google/gemini-2.5-pro    active; reasoning; text+image+audio+video in; ctx 1048576;
                           released 2025-06-17; google 1.25/10 with a tier above 200000:
                           input 2.5, output 15; intelligence 59.6, 143.2 tok/s.
- meta/llama-3.1-8b-instruct  active; open weights (llama3.1 license); HF id
                           meta-llama/Llama-3.1-8B-Instruct; downloads 5000000, likes 4000;
                           deepinfra 0.03/0.05; openrouter "meta-llama/llama-3.1-8b-instruct:free"
                           is_free (0/0), listing kind free_variant; cheapest price
                           0.03/0.05 (paid), 0/0 with free tiers counted.
- qwen/qwen3-0.6b          active; open weights; Hugging Face only (no offerings, NULL
                           prices); downloads 1200000, likes 600, trending 42.5.
- openrouter/auto          active; openrouter "openrouter/auto" with a VARIABLE price
                           (price_variable, prices NULL).
- mistral/mistral-large    DEPRECATED; mistral "mistral-large-2411" with unknown (NULL) prices
                           (listing kind price_unknown).

External ids: all four sources are represented (models.dev, openrouter, huggingface,
artificialanalysis), with methods exact / normalized / hf-id / name.

Scores: AA intelligence_index and output_tokens_per_second (independent), plus a
self-reported MMLU for gpt-4o.

Sync runs: #1 schedule, succeeded, 2025-09-01 (all four sources ok);
#2 admin, partial, 2025-09-02 (artificialanalysis failed). Changes: `added` events for
every model in run 1, the gpt-4o price change, gpt-3.5-turbo `removed` in run 2.
Change convention: offering events carry entity_id "<provider_id>:<provider_model_id>",
field = the offerings column name, old/new values as JSON strings of the decimal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.core.tables import (
    catalog_state,
    changes,
    external_ids,
    models,
    offerings,
    providers,
    scores,
    sync_runs,
)

RUN1_AT = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
RUN2_AT = datetime(2025, 9, 2, 12, 0, tzinfo=UTC)
PRICE_CHANGE_AT = datetime(2024, 8, 6, 0, 0, tzinfo=UTC)
REMOVED_AT = datetime(2025, 6, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SeedInfo:
    provider_ids: tuple[str, ...]
    model_ids: tuple[str, ...]  # every model, incl. the removed one
    visible_model_ids: tuple[str, ...]  # default listing (active + deprecated)
    removed_model_id: str
    run_ids: tuple[int, ...]
    catalog_version: int
    offering_count: int


PROVIDERS: list[dict[str, Any]] = [
    {"id": "openai", "name": "OpenAI", "kind": "lab", "env_vars": ["OPENAI_API_KEY"]},
    {"id": "anthropic", "name": "Anthropic", "kind": "lab", "env_vars": ["ANTHROPIC_API_KEY"]},
    {"id": "google", "name": "Google", "kind": "lab", "env_vars": ["GOOGLE_API_KEY"]},
    {"id": "mistral", "name": "Mistral", "kind": "lab", "env_vars": ["MISTRAL_API_KEY"]},
    {
        "id": "deepinfra",
        "name": "DeepInfra",
        "kind": "host",
        "env_vars": ["DEEPINFRA_API_KEY"],
        "api_url": "https://api.deepinfra.com/v1/openai",
    },
    {
        "id": "openrouter",
        "name": "OpenRouter",
        "kind": "router",
        "env_vars": ["OPENROUTER_API_KEY"],
        "api_url": "https://openrouter.ai/api/v1",
        "npm_package": "@openrouter/ai-sdk-provider",
    },
]

_TEXT = ["text"]
_TEXT_IMAGE = ["text", "image"]


def _model(model_id: str, name: str, **fields: Any) -> dict[str, Any]:
    creator = model_id.split("/", 1)[0]
    base: dict[str, Any] = {
        "id": model_id,
        "name": name,
        "creator_id": creator,
        "family": None,
        "release_date": None,
        "open_weights": False,
        "input_modalities": _TEXT,
        "output_modalities": _TEXT,
        "supports_tools": None,
        "supports_reasoning": None,
        "supports_structured_output": None,
        "supports_attachments": None,
        "supports_temperature": None,
        "context_window": None,
        "max_output_tokens": None,
        "huggingface_id": None,
        "downloads": None,
        "likes": None,
        "trending_score": None,
        "intelligence_index": None,
        "output_tokens_per_second": None,
        "cheapest_input_price": None,
        "cheapest_output_price": None,
        "sources": ["models.dev"],
        "status": "active",
        "removed_at": None,
        "first_seen_at": RUN1_AT,
        "last_seen_at": RUN2_AT,
        "updated_at": RUN2_AT,
    }
    base.update(fields)
    # With free tiers counted the price is the same unless a model says otherwise.
    base.setdefault("cheapest_any_input_price", base["cheapest_input_price"])
    base.setdefault("cheapest_any_output_price", base["cheapest_output_price"])
    return base


D = Decimal

MODELS: list[dict[str, Any]] = [
    _model(
        "openai/gpt-4o",
        "GPT-4o",
        family="gpt-4o",
        release_date=date(2024, 5, 13),
        last_updated=date(2024, 8, 6),
        knowledge_cutoff="2023-10",
        input_modalities=_TEXT_IMAGE,
        supports_tools=True,
        supports_reasoning=False,
        supports_structured_output=True,
        supports_attachments=True,
        supports_temperature=True,
        context_window=128000,
        max_output_tokens=16384,
        intelligence_index=D("29.7"),
        output_tokens_per_second=D("110.5"),
        cheapest_input_price=D("2.5"),
        cheapest_output_price=D("10"),
        sources=["models.dev", "openrouter", "artificialanalysis"],
    ),
    _model(
        "openai/gpt-4o-mini",
        "GPT-4o mini",
        family="gpt-4o",
        release_date=date(2024, 7, 18),
        input_modalities=_TEXT_IMAGE,
        supports_tools=True,
        supports_structured_output=True,
        supports_attachments=True,
        supports_temperature=True,
        context_window=128000,
        max_output_tokens=16384,
        intelligence_index=D("21.2"),
        output_tokens_per_second=D("65.0"),
        cheapest_input_price=D("0.15"),
        cheapest_output_price=D("0.6"),
        sources=["models.dev", "artificialanalysis"],
    ),
    _model(
        "openai/gpt-3.5-turbo",
        "GPT-3.5 Turbo",
        release_date=date(2023, 3, 1),
        supports_tools=True,
        context_window=16385,
        max_output_tokens=4096,
        cheapest_input_price=D("0.5"),
        cheapest_output_price=D("1.5"),
        status="removed",
        removed_at=REMOVED_AT,
    ),
    _model(
        "anthropic/claude-sonnet-4",
        "Claude Sonnet 4",
        family="claude-sonnet",
        release_date=date(2025, 5, 22),
        knowledge_cutoff="2025-03",
        input_modalities=["text", "image", "pdf"],
        supports_tools=True,
        supports_reasoning=True,
        supports_structured_output=False,
        supports_attachments=True,
        supports_temperature=True,
        context_window=1000000,
        max_output_tokens=64000,
        intelligence_index=D("44.4"),
        output_tokens_per_second=D("78.1"),
        cheapest_input_price=D("3"),
        cheapest_output_price=D("15"),
        sources=["models.dev", "openrouter", "artificialanalysis"],
    ),
    _model(
        "anthropic/claude-opus-4-1",
        "Claude Opus 4.1",
        family="claude-opus",
        release_date=date(2025, 8, 5),
        supports_tools=True,
        supports_reasoning=True,
        supports_attachments=True,
        supports_temperature=True,
        context_window=200000,
        max_output_tokens=32000,
        cheapest_input_price=D("15"),
        cheapest_output_price=D("75"),
        sources=["models.dev", "openrouter"],
    ),
    _model(
        "google/gemini-2.5-pro",
        "Gemini 2.5 Pro",
        family="gemini-pro",
        release_date=date(2025, 6, 17),
        input_modalities=["text", "image", "audio", "video"],
        supports_tools=True,
        supports_reasoning=True,
        supports_structured_output=True,
        supports_attachments=True,
        supports_temperature=True,
        context_window=1048576,
        max_output_tokens=65536,
        intelligence_index=D("59.6"),
        output_tokens_per_second=D("143.2"),
        cheapest_input_price=D("1.25"),
        cheapest_output_price=D("10"),
        sources=["models.dev", "artificialanalysis"],
    ),
    _model(
        "meta/llama-3.1-8b-instruct",
        "Llama 3.1 8B Instruct",
        family="llama",
        release_date=date(2024, 7, 23),
        open_weights=True,
        license="llama3.1",
        supports_tools=True,
        supports_temperature=True,
        context_window=131072,
        max_output_tokens=8192,
        huggingface_id="meta-llama/Llama-3.1-8B-Instruct",
        downloads=5000000,
        likes=4000,
        trending_score=12.0,
        cheapest_input_price=D("0.03"),  # the cheapest PAID offering (deepinfra)
        cheapest_output_price=D("0.05"),
        cheapest_any_input_price=D("0"),  # the :free variant, when free tiers count
        cheapest_any_output_price=D("0"),
        sources=["models.dev", "openrouter", "huggingface"],
    ),
    _model(
        "qwen/qwen3-0.6b",
        "Qwen3 0.6B",
        family="qwen3",
        release_date=date(2025, 4, 29),
        open_weights=True,
        license="apache-2.0",
        huggingface_id="Qwen/Qwen3-0.6B",
        downloads=1200000,
        likes=600,
        trending_score=42.5,
        sources=["huggingface"],
    ),
    _model(
        "openrouter/auto",
        "Auto Router",
        context_window=2000000,
        sources=["openrouter"],
    ),
    _model(
        "mistral/mistral-large",
        "Mistral Large",
        family="mistral-large",
        release_date=date(2024, 11, 18),
        supports_tools=True,
        context_window=131072,
        status="deprecated",
    ),
]


def _offering(provider: str, provider_model_id: str, model_id: str, **f: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "provider_id": provider,
        "provider_model_id": provider_model_id,
        "model_id": model_id,
        "name": None,
        "input_price": None,
        "output_price": None,
        "cache_read_price": None,
        "cache_write_price": None,
        "reasoning_price": None,
        "request_price": None,
        "image_price": None,
        "price_tiers": None,
        "is_free": False,
        "price_variable": False,
        "listing_kind": "paid",
        "context_window": None,
        "max_output_tokens": None,
        "status": "active",
        "source": "models.dev",
        "removed_at": None,
        "first_seen_at": RUN1_AT,
        "last_seen_at": RUN2_AT,
        "updated_at": RUN2_AT,
    }
    base.update(f)
    return base


OFFERINGS: list[dict[str, Any]] = [
    _offering(
        "openai",
        "gpt-4o",
        "openai/gpt-4o",
        input_price=D("2.5"),
        output_price=D("10"),
        cache_read_price=D("1.25"),
        context_window=128000,
        max_output_tokens=16384,
        first_seen_at=datetime(2024, 5, 13, tzinfo=UTC),
    ),
    _offering(
        "openrouter",
        "openai/gpt-4o",
        "openai/gpt-4o",
        input_price=D("2.5"),
        output_price=D("10"),
        source="openrouter",
    ),
    _offering(
        "openai", "gpt-4o-mini", "openai/gpt-4o-mini", input_price=D("0.15"), output_price=D("0.6")
    ),
    _offering(
        "openai",
        "gpt-3.5-turbo",
        "openai/gpt-3.5-turbo",
        input_price=D("0.5"),
        output_price=D("1.5"),
        status="removed",
        removed_at=REMOVED_AT,
    ),
    _offering(
        "anthropic",
        "claude-sonnet-4-20250514",
        "anthropic/claude-sonnet-4",
        input_price=D("3"),
        output_price=D("15"),
        cache_read_price=D("0.3"),
        cache_write_price=D("3.75"),
        price_tiers=[{"above_tokens": 200000, "input_price": "6", "output_price": "22.5"}],
        context_window=1000000,
        max_output_tokens=64000,
    ),
    _offering(
        "openrouter",
        "anthropic/claude-sonnet-4",
        "anthropic/claude-sonnet-4",
        input_price=D("3"),
        output_price=D("15"),
        source="openrouter",
    ),
    _offering(
        "anthropic",
        "claude-opus-4-1-20250805",
        "anthropic/claude-opus-4-1",
        input_price=D("15"),
        output_price=D("75"),
    ),
    _offering(
        "google",
        "gemini-2.5-pro",
        "google/gemini-2.5-pro",
        input_price=D("1.25"),
        output_price=D("10"),
        price_tiers=[{"above_tokens": 200000, "input_price": "2.5", "output_price": "15"}],
    ),
    _offering(
        "deepinfra",
        "meta-llama/Meta-Llama-3.1-8B-Instruct",
        "meta/llama-3.1-8b-instruct",
        input_price=D("0.03"),
        output_price=D("0.05"),
    ),
    _offering(
        "openrouter",
        "meta-llama/llama-3.1-8b-instruct:free",
        "meta/llama-3.1-8b-instruct",
        input_price=D("0"),
        output_price=D("0"),
        is_free=True,
        listing_kind="free_variant",
        source="openrouter",
    ),
    _offering(
        "openrouter", "openrouter/auto", "openrouter/auto", price_variable=True, source="openrouter"
    ),
    _offering(
        "mistral", "mistral-large-2411", "mistral/mistral-large", listing_kind="price_unknown"
    ),
]

EXTERNAL_IDS: list[dict[str, Any]] = [
    {"source": "models.dev", "external_id": "openai/gpt-4o", "model_id": "openai/gpt-4o"},
    {"source": "openrouter", "external_id": "openai/gpt-4o", "model_id": "openai/gpt-4o"},
    {
        "source": "artificialanalysis",
        "external_id": "gpt-4o",
        "model_id": "openai/gpt-4o",
        "match_method": "normalized",
    },
    {"source": "models.dev", "external_id": "openai/gpt-4o-mini", "model_id": "openai/gpt-4o-mini"},
    {
        "source": "models.dev",
        "external_id": "openai/gpt-3.5-turbo",
        "model_id": "openai/gpt-3.5-turbo",
    },
    {
        "source": "models.dev",
        "external_id": "anthropic/claude-sonnet-4-20250514",
        "model_id": "anthropic/claude-sonnet-4",
        "match_method": "normalized",
    },
    {
        "source": "openrouter",
        "external_id": "anthropic/claude-sonnet-4",
        "model_id": "anthropic/claude-sonnet-4",
    },
    {
        "source": "artificialanalysis",
        "external_id": "claude-4-sonnet",
        "model_id": "anthropic/claude-sonnet-4",
        "match_method": "override",
    },
    {
        "source": "openrouter",
        "external_id": "anthropic/claude-opus-4.1",
        "model_id": "anthropic/claude-opus-4-1",
        "match_method": "normalized",
    },
    {
        "source": "models.dev",
        "external_id": "google/gemini-2.5-pro",
        "model_id": "google/gemini-2.5-pro",
    },
    {
        "source": "artificialanalysis",
        "external_id": "gemini-2-5-pro",
        "model_id": "google/gemini-2.5-pro",
        "match_method": "name",
        "confidence": 0.9,
    },
    {
        "source": "huggingface",
        "external_id": "meta-llama/Llama-3.1-8B-Instruct",
        "model_id": "meta/llama-3.1-8b-instruct",
        "match_method": "hf-id",
    },
    {
        "source": "openrouter",
        "external_id": "meta-llama/llama-3.1-8b-instruct",
        "model_id": "meta/llama-3.1-8b-instruct",
        "match_method": "normalized",
    },
    {"source": "huggingface", "external_id": "Qwen/Qwen3-0.6B", "model_id": "qwen/qwen3-0.6b"},
    {"source": "openrouter", "external_id": "openrouter/auto", "model_id": "openrouter/auto"},
    {
        "source": "models.dev",
        "external_id": "mistral/mistral-large-2411",
        "model_id": "mistral/mistral-large",
        "match_method": "normalized",
    },
]


def _score(model_id: str, metric: str, value: str, **f: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "model_id": model_id,
        "source": "artificialanalysis",
        "metric": metric,
        "variant": "",
        "value": D(value),
        "unit": None,
        "self_reported": False,
        "measured_at": RUN1_AT,
    }
    base.update(f)
    return base


SCORES: list[dict[str, Any]] = [
    _score("openai/gpt-4o", "intelligence_index", "29.7"),
    _score("openai/gpt-4o", "output_tokens_per_second", "110.5", unit="tokens/s"),
    _score("openai/gpt-4o", "mmlu", "88.7", unit="%", source="models.dev", self_reported=True),
    _score("openai/gpt-4o-mini", "intelligence_index", "21.2"),
    _score("anthropic/claude-sonnet-4", "intelligence_index", "44.4"),
    _score("anthropic/claude-sonnet-4", "intelligence_index", "57.1", variant="thinking"),
    _score("anthropic/claude-sonnet-4", "output_tokens_per_second", "78.1", unit="tokens/s"),
    _score("google/gemini-2.5-pro", "intelligence_index", "59.6"),
    _score("google/gemini-2.5-pro", "output_tokens_per_second", "143.2", unit="tokens/s"),
]


def _stats(aa_status: str, fetched: int) -> dict[str, Any]:
    stats: dict[str, Any] = {}
    for source in ("models.dev", "openrouter", "huggingface", "artificialanalysis"):
        status = aa_status if source == "artificialanalysis" else "succeeded"
        stats[source] = {
            "status": status,
            "fetched": 0 if status == "failed" else fetched,
            "valid": 0 if status == "failed" else fetched,
            "invalid": 0,
            "upserted": fetched if status != "failed" else 0,
            "unchanged": 0,
            "removed": 0,
            "duration_ms": 120,
            "error": "HTTP 503 from upstream" if status == "failed" else None,
        }
    return stats


SYNC_RUNS: list[dict[str, Any]] = [
    {
        "trigger": "schedule",
        "status": "succeeded",
        "sources": ["models.dev", "openrouter", "huggingface", "artificialanalysis"],
        "started_at": RUN1_AT,
        "finished_at": RUN1_AT.replace(minute=1),
        "total_fetched": 40,
        "total_stored": 40,
        "total_changed": 11,
        "message": "sync finished",
        "source_stats": _stats("succeeded", 10),
        "replica_id": "replica-a",
    },
    {
        "trigger": "admin",
        "status": "partial",
        "sources": ["models.dev", "openrouter", "huggingface", "artificialanalysis"],
        "started_at": RUN2_AT,
        "finished_at": RUN2_AT.replace(minute=1),
        "total_fetched": 30,
        "total_stored": 30,
        "total_changed": 1,
        "message": "artificialanalysis failed: HTTP 503 from upstream",
        "source_stats": _stats("failed", 10),
        "replica_id": "replica-b",
    },
]


def _changes(run1: int, run2: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {
            "sync_run_id": run1,
            "at": RUN1_AT,
            "entity": "model",
            "entity_id": m["id"],
            "model_id": m["id"],
            "provider_id": None,
            "kind": "added",
            "field": None,
            "old_value": None,
            "new_value": None,
        }
        for m in MODELS
    ]
    rows.append(
        {
            "sync_run_id": run1,
            "at": PRICE_CHANGE_AT,
            "entity": "offering",
            "entity_id": "openai:gpt-4o",
            "model_id": "openai/gpt-4o",
            "provider_id": "openai",
            "kind": "price_changed",
            "field": "input_price",
            "old_value": "5",
            "new_value": "2.5",
        }
    )
    rows.append(
        {
            "sync_run_id": run2,
            "at": RUN2_AT,
            "entity": "model",
            "entity_id": "openai/gpt-3.5-turbo",
            "model_id": "openai/gpt-3.5-turbo",
            "provider_id": None,
            "kind": "removed",
            "field": "status",
            "old_value": "active",
            "new_value": "removed",
        }
    )
    return rows


def _with_defaults(rows: list[dict[str, Any]], **defaults: Any) -> list[dict[str, Any]]:
    return [{**defaults, **row} for row in rows]


async def _insert_all(conn: AsyncConnection) -> tuple[int, ...]:
    await conn.execute(insert(providers), _with_defaults(PROVIDERS, api_url=None, npm_package=None))
    await conn.execute(
        insert(models),
        _with_defaults(MODELS, last_updated=None, license=None, knowledge_cutoff=None),
    )
    await conn.execute(insert(offerings), OFFERINGS)
    await conn.execute(
        insert(external_ids),
        _with_defaults(EXTERNAL_IDS, match_method="exact", confidence=1.0, first_seen_at=RUN1_AT),
    )
    await conn.execute(insert(scores), SCORES)
    run_ids = []
    for run in SYNC_RUNS:
        run_ids.append(
            int(await conn.scalar(insert(sync_runs).values(run).returning(sync_runs.c.id)))
        )
    await conn.execute(insert(changes), _changes(run_ids[0], run_ids[1]))
    return tuple(run_ids)


async def seed_catalog(engine: AsyncEngine) -> SeedInfo:
    """Insert the catalog described in the module docstring; bump the catalog version."""
    async with engine.begin() as conn:
        run_ids = await _insert_all(conn)
        version = await conn.scalar(
            update(catalog_state)
            .where(catalog_state.c.id == 1)
            .values(version=catalog_state.c.version + 1)
            .returning(catalog_state.c.version)
        )
    all_ids = tuple(m["id"] for m in MODELS)
    removed = "openai/gpt-3.5-turbo"
    return SeedInfo(
        provider_ids=tuple(p["id"] for p in PROVIDERS),
        model_ids=all_ids,
        visible_model_ids=tuple(i for i in all_ids if i != removed),
        removed_model_id=removed,
        run_ids=run_ids,
        catalog_version=int(version or 0),
        offering_count=len(OFFERINGS),
    )
