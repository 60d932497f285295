"""list_models / models_by_ids against the seeded catalog (tests/support/seed.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.catalog import ModelFilter, ModelSort, SortField, list_models, models_by_ids
from tests.support.seed import SeedInfo


async def ids(conn: AsyncConnection, flt: ModelFilter, sort: ModelSort | None = None) -> list[str]:
    page = await list_models(conn, flt, sort or ModelSort(), 100, 0)
    return [row.id for row in page.rows]


async def test_default_listing_hides_removed_sorted_by_name(
    conn: AsyncConnection, seeded: SeedInfo
) -> None:
    page = await list_models(conn, ModelFilter(), ModelSort(), 100, 0)
    got = [r.id for r in page.rows]
    assert page.total == 9 and set(got) == set(seeded.visible_model_ids)
    names = [r.name.lower() for r in page.rows]
    assert names == sorted(names)


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (ModelFilter(search="sonnet"), {"anthropic/claude-sonnet-4"}),
        (ModelFilter(search="gpt 4o"), {"openai/gpt-4o", "openai/gpt-4o-mini"}),
        (ModelFilter(search="100%_"), set()),
        (ModelFilter(creator="OpenAI"), {"openai/gpt-4o", "openai/gpt-4o-mini"}),
        (
            ModelFilter(provider="openrouter"),
            {
                "openai/gpt-4o",
                "anthropic/claude-sonnet-4",
                "meta/llama-3.1-8b-instruct",
                "openrouter/auto",
            },
        ),
        (
            ModelFilter(capabilities=("tools", "reasoning")),
            {"anthropic/claude-sonnet-4", "anthropic/claude-opus-4-1", "google/gemini-2.5-pro"},
        ),
        (ModelFilter(input_modalities=("audio",)), {"google/gemini-2.5-pro"}),
        (ModelFilter(open_weights=True), {"meta/llama-3.1-8b-instruct", "qwen/qwen3-0.6b"}),
        (
            ModelFilter(min_context_window=1_000_000),
            {"anthropic/claude-sonnet-4", "google/gemini-2.5-pro", "openrouter/auto"},
        ),
        (
            ModelFilter(max_input_price=Decimal("0.2")),
            {"openai/gpt-4o-mini", "meta/llama-3.1-8b-instruct"},
        ),
        (
            ModelFilter(max_output_price=Decimal("10"), min_context_window=200_000),
            {"google/gemini-2.5-pro"},
        ),
        (
            ModelFilter(released_after=date(2025, 6, 1), released_before=date(2025, 8, 31)),
            {"anthropic/claude-opus-4-1", "google/gemini-2.5-pro"},
        ),
        (ModelFilter(statuses=("removed",)), {"openai/gpt-3.5-turbo"}),
        (ModelFilter(statuses=("deprecated",)), {"mistral/mistral-large"}),
        (ModelFilter(source="huggingface"), {"meta/llama-3.1-8b-instruct", "qwen/qwen3-0.6b"}),
        (
            ModelFilter(min_max_output_tokens=64_000),
            {"anthropic/claude-sonnet-4", "google/gemini-2.5-pro"},
        ),
    ],
)
async def test_filters(conn: AsyncConnection, flt: ModelFilter, expected: set[str]) -> None:
    assert set(await ids(conn, flt)) == expected


@pytest.mark.parametrize(
    ("flt", "message"),
    [
        (ModelFilter(capabilities=("telepathy",)), "unknown capabilities"),
        (ModelFilter(statuses=("gone",)), "unknown statuses"),
        (ModelFilter(source="github"), "unknown source"),
    ],
)
async def test_bad_filter_values_raise_value_error(
    conn: AsyncConnection, flt: ModelFilter, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await list_models(conn, flt, ModelSort(), 10, 0)


async def test_sort_input_price_nulls_last_both_directions(conn: AsyncConnection) -> None:
    asc = await ids(conn, ModelFilter(), ModelSort(SortField.INPUT_PRICE))
    desc = await ids(conn, ModelFilter(), ModelSort(SortField.INPUT_PRICE, descending=True))
    assert asc[0] == "meta/llama-3.1-8b-instruct"  # free offering: cheapest 0
    assert desc[0] == "anthropic/claude-opus-4-1"
    unknown = {"qwen/qwen3-0.6b", "openrouter/auto", "mistral/mistral-large"}
    assert set(asc[-3:]) == unknown and set(desc[-3:]) == unknown
    assert asc[-3:] == sorted(unknown)  # id tiebreak


@pytest.mark.parametrize(
    ("field", "first"),
    [
        (SortField.RELEASE_DATE, "anthropic/claude-opus-4-1"),
        (SortField.CONTEXT_WINDOW, "openrouter/auto"),
        (SortField.INTELLIGENCE_INDEX, "google/gemini-2.5-pro"),
        (SortField.OUTPUT_SPEED, "google/gemini-2.5-pro"),
        (SortField.DOWNLOADS, "meta/llama-3.1-8b-instruct"),
        (SortField.LIKES, "meta/llama-3.1-8b-instruct"),
        (SortField.OUTPUT_PRICE, "anthropic/claude-opus-4-1"),
        (SortField.NAME, "qwen/qwen3-0.6b"),  # "Qwen3 0.6B" is last by name
    ],
)
async def test_descending_sorts(conn: AsyncConnection, field: SortField, first: str) -> None:
    got = await ids(conn, ModelFilter(), ModelSort(field, descending=True))
    assert got[0] == first


async def test_relevance_puts_best_match_first(conn: AsyncConnection) -> None:
    got = await ids(conn, ModelFilter(search="gpt-4o"), ModelSort(SortField.RELEVANCE))
    assert got[0] == "openai/gpt-4o"


async def test_pagination_and_total_past_the_end(conn: AsyncConnection) -> None:
    first = await list_models(conn, ModelFilter(), ModelSort(), 4, 0)
    last = await list_models(conn, ModelFilter(), ModelSort(), 4, 8)
    past = await list_models(conn, ModelFilter(), ModelSort(), 4, 40)
    assert len(first.rows) == 4 and len(last.rows) == 1 and past.rows == []
    assert first.total == last.total == past.total == 9


async def test_models_by_ids_skips_unknown(conn: AsyncConnection) -> None:
    got = await models_by_ids(conn, ["openai/gpt-4o", "nope/nope", "openai/gpt-4o"])
    assert list(got) == ["openai/gpt-4o"]
    assert got["openai/gpt-4o"].context_window == 128000
