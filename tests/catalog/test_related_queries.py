"""Batch lookups, providers, changes, resolve, freshness and sync runs on the seed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.catalog import offerings_by_model_ids, scores_by_model_ids
from server.core.catalog.changes import ChangeFilter, changes_after_id, last_change_id, list_changes
from server.core.catalog.freshness import catalog_summary
from server.core.catalog.offerings import cheapest
from server.core.catalog.providers import (
    ProviderFilter,
    ProviderSortField,
    list_providers,
    providers_with_counts_by_ids,
)
from server.core.catalog.related import changes_by_model_ids, external_ids_by_model_ids
from server.core.catalog.resolve import NotResolved, Resolved, name_key, resolve_model
from server.core.catalog.sync_runs import list_sync_runs, sync_run_by_id
from tests.support.seed import RUN2_AT, SeedInfo


async def test_offerings_grouped_per_model_with_empty_lists(conn: AsyncConnection) -> None:
    got = await offerings_by_model_ids(conn, ["openai/gpt-4o", "qwen/qwen3-0.6b"])
    assert [o.provider_id for o in got["openai/gpt-4o"]] == ["openai", "openrouter"]
    assert got["qwen/qwen3-0.6b"] == []


async def test_cheapest_offering_skips_unknown_and_variable(conn: AsyncConnection) -> None:
    got = await offerings_by_model_ids(conn, ["meta/llama-3.1-8b-instruct", "openrouter/auto"])
    best = cheapest(got["meta/llama-3.1-8b-instruct"])
    assert best is not None and best.provider_id == "deepinfra"  # paid offerings only
    with_free = cheapest(got["meta/llama-3.1-8b-instruct"], include_free=True)
    assert with_free is not None and with_free.is_free
    assert cheapest(got["openrouter/auto"]) is None


async def test_scores_and_external_ids(conn: AsyncConnection) -> None:
    scores = await scores_by_model_ids(conn, ["anthropic/claude-sonnet-4"])
    variants = {(s.metric, s.variant) for s in scores["anthropic/claude-sonnet-4"]}
    assert ("intelligence_index", "thinking") in variants
    ext = await external_ids_by_model_ids(conn, ["anthropic/claude-sonnet-4"])
    assert {e.source for e in ext["anthropic/claude-sonnet-4"]} == {
        "models.dev",
        "openrouter",
        "artificialanalysis",
    }


async def test_changes_by_model_newest_first(conn: AsyncConnection) -> None:
    got = await changes_by_model_ids(conn, ["openai/gpt-4o"])
    assert [c.kind for c in got["openai/gpt-4o"]] == ["added", "price_changed"]


async def test_provider_counts(conn: AsyncConnection) -> None:
    page = await list_providers(conn, ProviderFilter(), ProviderSortField.MODEL_COUNT, True, 10, 0)
    assert page.total == 6
    top = page.rows[0]
    # openrouter serves gpt-4o, claude-sonnet-4, llama (free variant) and auto.
    assert (top.id, top.model_count, top.offering_count) == ("openrouter", 4, 4)
    by_id = await providers_with_counts_by_ids(conn, ["openai"])
    # gpt-3.5-turbo's offering is removed, so it does not count.
    assert (by_id["openai"].model_count, by_id["openai"].offering_count) == (2, 2)
    hosts = await list_providers(
        conn, ProviderFilter(kind="host"), ProviderSortField.NAME, False, 10, 0
    )
    assert [r.id for r in hosts.rows] == ["deepinfra"]


async def test_change_feed_filters_and_order(conn: AsyncConnection) -> None:
    page = await list_changes(conn, ChangeFilter(kinds=("price_changed",)), 10, 0)
    assert page.total == 1 and page.rows[0].new_value == "2.5"
    recent = await list_changes(conn, ChangeFilter(since=RUN2_AT), 10, 0)
    assert [r.kind for r in recent.rows] == ["removed"]
    everything = await list_changes(conn, ChangeFilter(), 100, 0)
    ats = [r.at for r in everything.rows]
    assert ats == sorted(ats, reverse=True) and everything.total == 12
    with pytest.raises(ValueError, match="unknown change kinds"):
        await list_changes(conn, ChangeFilter(kinds=("exploded",)), 10, 0)


async def test_changes_after_id_for_subscriptions(conn: AsyncConnection) -> None:
    last = await last_change_id(conn)
    assert await changes_after_id(conn, last, ChangeFilter()) == []
    tail = await changes_after_id(conn, last - 2, ChangeFilter(model_id="openai/gpt-3.5-turbo"))
    assert [c.kind for c in tail] == ["removed"]


@pytest.mark.parametrize(
    ("spelling", "model_id", "rule"),
    [
        ("anthropic/claude-sonnet-4", "anthropic/claude-sonnet-4", "id"),
        ("Anthropic/Claude-Sonnet-4", "anthropic/claude-sonnet-4", "id"),
        ("claude-4-sonnet", "anthropic/claude-sonnet-4", "external_id"),
        ("anthropic/claude-sonnet-4-20250514", "anthropic/claude-sonnet-4", "external_id"),
        ("claude sonnet 4", "anthropic/claude-sonnet-4", "normalized"),
        ("claude-sonnet-4-2025-05-14", "anthropic/claude-sonnet-4", "normalized"),
        ("anthropic/claude-opus-4.1", "anthropic/claude-opus-4-1", "external_id"),
        ("Claude Opus 4.1", "anthropic/claude-opus-4-1", "normalized"),
        ("claude-opus-4.1-latest", "anthropic/claude-opus-4-1", "normalized"),
        ("meta-llama/Llama-3.1-8B-Instruct", "meta/llama-3.1-8b-instruct", "huggingface_id"),
        ("meta-llama/llama-3.1-8b-instruct:free", "meta/llama-3.1-8b-instruct", "normalized"),
        ("sonnet 4 claude", "anthropic/claude-sonnet-4", "reordered"),
        ("GEMINI-2-5-PRO", "google/gemini-2.5-pro", "external_id"),
    ],
)
async def test_resolve_spellings(
    conn: AsyncConnection, spelling: str, model_id: str, rule: str
) -> None:
    got = await resolve_model(conn, spelling)
    assert isinstance(got, Resolved)
    assert (got.model.id, got.rule) == (model_id, rule)


async def test_resolve_not_found_suggests_close_names(conn: AsyncConnection) -> None:
    got = await resolve_model(conn, "claude sonet")
    assert isinstance(got, NotResolved)
    assert "anthropic/claude-sonnet-4" in [s.id for s in got.suggestions]


def test_name_key_examples() -> None:
    assert name_key("Anthropic/Claude-Sonnet-4.0-20250514") == "claude-sonnet-4-0"
    assert name_key("  GPT 4o_mini ") == "gpt-4o-mini"


async def test_catalog_summary(conn: AsyncConnection) -> None:
    now = datetime(2025, 9, 2, 18, 0, tzinfo=UTC)
    summary = await catalog_summary(conn, now)
    assert (summary.model_count, summary.offering_count, summary.provider_count) == (9, 11, 6)
    by_source = {s.source: s for s in summary.sources}
    md = by_source["models.dev"]
    assert md.last_success_at == RUN2_AT.replace(minute=1) and md.stale_seconds == 21540
    assert not md.is_stale
    aa = by_source["artificialanalysis"]  # failed in run 2: last success is run 1
    assert aa.last_success_at is not None and aa.last_success_at.day == 1 and aa.is_stale
    assert by_source["huggingface"].model_count == 2


async def test_sync_runs_newest_first(conn: AsyncConnection, seeded: SeedInfo) -> None:
    page = await list_sync_runs(conn, 10, 0)
    assert [r.id for r in page.rows] == list(reversed(seeded.run_ids)) and page.total == 2
    run = await sync_run_by_id(conn, seeded.run_ids[1])
    assert run is not None and run.source_stats["artificialanalysis"]["status"] == "failed"
    assert await sync_run_by_id(conn, 999) is None
