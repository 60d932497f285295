"""GET /v1/export/litellm.json: exact entries for the seed, what is left out and why, and the
same cache / ETag / 304 behaviour as the other catalog responses. The real litellm reading
it is tests/integrations/test_litellm.py."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.export.litellm import (
    ExportRow,
    build_cost_map,
    per_token,
    skip_reason,
    tier_suffix,
)
from server.core.export.litellm_providers import LITELLM_PROVIDERS
from server.core.tables import catalog_state, offerings
from tests.rest.conftest import Client
from tests.support.metrics import sample_value
from tests.support.seed import SeedInfo

URL = "/v1/export/litellm.json"

EXPECTED_KEYS = {
    "openai/gpt-4o",
    "gpt-4o",
    "openai/gpt-4o-mini",
    "gpt-4o-mini",
    "anthropic/claude-sonnet-4-20250514",
    "claude-sonnet-4-20250514",
    "anthropic/claude-opus-4-1-20250805",
    "claude-opus-4-1-20250805",
    "gemini/gemini-2.5-pro",
    "deepinfra/meta-llama/Meta-Llama-3.1-8B-Instruct",
    "openrouter/openai/gpt-4o",
    "openrouter/anthropic/claude-sonnet-4",
    "openrouter/meta-llama/llama-3.1-8b-instruct:free",
}


async def test_seed_exports_every_priced_offering_under_litellm_keys(
    client: Client, seeded: SeedInfo
) -> None:
    resp = await client.get(URL)
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "application/json"
    body = await resp.json()
    # Left out: gpt-3.5-turbo (removed), openrouter/auto (variable price),
    # mistral-large-2411 (unknown prices).
    assert set(body) == EXPECTED_KEYS
    assert body["gpt-4o"] == body["openai/gpt-4o"]
    assert body["openai/gpt-4o"] == {
        "litellm_provider": "openai",
        "mode": "chat",
        "input_cost_per_token": 2.5e-06,
        "output_cost_per_token": 1e-05,
        "cache_read_input_token_cost": 1.25e-06,
        "max_input_tokens": 128000,
        "max_output_tokens": 16384,
        "max_tokens": 16384,
        "supports_function_calling": True,
        "supports_reasoning": False,
        "supports_response_schema": True,
        "supports_vision": True,
        "supports_pdf_input": False,
        "supports_audio_input": False,
        "supports_video_input": False,
        "supports_prompt_caching": True,
    }


async def test_long_context_tier_and_cache_prices(client: Client, seeded: SeedInfo) -> None:
    body = await (await client.get(URL)).json()
    sonnet = body["anthropic/claude-sonnet-4-20250514"]
    assert sonnet["litellm_provider"] == "anthropic"
    assert sonnet["input_cost_per_token"] == 3e-06
    assert sonnet["output_cost_per_token"] == 1.5e-05
    assert sonnet["cache_read_input_token_cost"] == 3e-07
    assert sonnet["cache_creation_input_token_cost"] == 3.75e-06
    assert sonnet["input_cost_per_token_above_200k_tokens"] == 6e-06
    assert sonnet["output_cost_per_token_above_200k_tokens"] == 2.25e-05
    # The tier lists no cache prices: estimateCost keeps the base ones above 200k, and so
    # must LiteLLM.
    assert sonnet["cache_read_input_token_cost_above_200k_tokens"] == 3e-07
    assert sonnet["cache_creation_input_token_cost_above_200k_tokens"] == 3.75e-06
    assert sonnet["max_input_tokens"] == 1000000
    gemini = body["gemini/gemini-2.5-pro"]
    assert gemini["litellm_provider"] == "gemini"
    assert gemini["input_cost_per_token_above_200k_tokens"] == 2.5e-06
    # No cache price known: none written (LiteLLM would read 0 as "free").
    assert "cache_read_input_token_cost" not in gemini
    assert gemini["supports_prompt_caching"] is False
    # The model's limits stand in for the offering's when it has none.
    assert gemini["max_input_tokens"] == 1048576 and gemini["max_output_tokens"] == 65536
    free = body["openrouter/meta-llama/llama-3.1-8b-instruct:free"]
    assert free["input_cost_per_token"] == 0.0 and free["output_cost_per_token"] == 0.0


async def test_cached_with_etag_304_and_catalog_version(
    client: Client, seeded: SeedInfo, engine: AsyncEngine
) -> None:
    first = await client.get(URL)
    etag = first.headers["ETag"]
    assert first.headers["X-Catalog-Version"] == str(seeded.catalog_version)
    assert first.headers["Cache-Control"] == "public, max-age=60"
    again = await client.get(URL, headers={"If-None-Match": etag})
    assert again.status == 304
    gz = await client.get(URL, headers={"Accept-Encoding": "gzip"}, auto_decompress=False)
    assert gz.headers["Content-Encoding"] == "gzip"
    scrape = await (await client.get("/metrics")).text()
    assert sample_value(scrape, "effect_models_cache_hits_total", layer="rest_local") >= 2
    # A sync that changes a price bumps the version: a new body, a new ETag.
    async with engine.begin() as conn:
        await conn.execute(
            update(offerings)
            .where(offerings.c.provider_model_id == "gpt-4o-mini")
            .values(input_price=Decimal("0.2"))
        )
        await conn.execute(update(catalog_state).values(version=catalog_state.c.version + 1))
    changed = await _wait_for_new_etag(client, etag)
    assert (await changed.json())["gpt-4o-mini"]["input_cost_per_token"] == 2e-07


async def _wait_for_new_etag(client: Client, etag: str) -> Any:
    for _ in range(100):  # the version is re-read every 0.5 s; a loaded machine is slower
        resp = await client.get(URL)
        if resp.headers["ETag"] != etag:
            return resp
        await asyncio.sleep(0.1)
    raise AssertionError("the export kept its ETag after the catalog version changed")


async def test_concurrent_requests_after_a_sync_build_the_map_once(
    client: Client, seeded: SeedInfo
) -> None:
    before = sample_value(
        await (await client.get("/metrics")).text(),
        "effect_models_cache_misses_total",
        layer="rest",
    )
    answers = await asyncio.gather(*(client.get(URL) for _ in range(20)))
    assert {a.status for a in answers} == {200}
    assert len({a.headers["ETag"] for a in answers}) == 1
    scrape = await (await client.get("/metrics")).text()
    assert sample_value(scrape, "effect_models_cache_misses_total", layer="rest") == before + 1


async def test_empty_catalog_is_an_empty_map(client: Client) -> None:
    resp = await client.get(URL)
    assert resp.status == 200
    assert await resp.json() == {}


# ------------------------------------------------------------------ the pure builder


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        ("2.5", 2.5e-06),
        ("0.15", 1.5e-07),
        ("0.03", 3e-08),
        ("3.75", 3.75e-06),
        ("0.0000001", 1e-13),
        ("0", 0.0),
        (Decimal("1.1"), 1.1e-06),
    ],
)
def test_per_token_is_the_nearest_float_of_the_exact_quotient(price: Any, expected: float) -> None:
    assert per_token(price) == expected


@pytest.mark.parametrize(
    ("above", "suffix"),
    [(200000, "_above_200k_tokens"), (128000, "_above_128k_tokens"), (1500, "_above_1500_tokens")],
)
def test_tier_suffix(above: int, suffix: str) -> None:
    assert tier_suffix(above) == suffix


def _row(**fields: Any) -> ExportRow:
    row: dict[str, Any] = {
        "model_id": "openai/m",
        "listing_kind": "paid",
        "provider_id": "openai",
        "provider_model_id": "m",
        "input_price": Decimal("1"),
        "output_price": Decimal("2"),
        "cache_read_price": None,
        "cache_write_price": None,
        "reasoning_price": None,
        "input_audio_price": None,
        "output_audio_price": None,
        "request_price": None,
        "price_tiers": None,
        "price_variable": False,
        "max_input_tokens": None,
        "context_window": None,
        "max_output_tokens": None,
        "model_context_window": None,
        "model_max_output_tokens": None,
        "input_modalities": ["text"],
        "output_modalities": ["text"],
        "supports_tools": None,
        "supports_reasoning": None,
        "supports_structured_output": None,
        "expires_on": None,
    }
    row.update(fields)
    return ExportRow(**row)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"provider_id": "302ai"}, "provider unknown to LiteLLM"),
        ({"price_variable": True}, "price varies with the routed model"),
        ({"input_price": None}, "input or output price unknown"),
        ({"output_price": None}, "input or output price unknown"),
        ({"request_price": Decimal("0.005")}, "per-request price (no LiteLLM chat field)"),
        ({"output_modalities": ["image"]}, "model produces no text"),
        ({"listing_kind": "playground"}, "playground listing"),
        ({"listing_kind": "free_variant", "input_price": Decimal("0")}, None),
        ({"request_price": Decimal("0")}, None),
        ({"output_modalities": []}, None),
        ({"output_modalities": ["text", "image"]}, None),
    ],
)
def test_skip_reasons(fields: dict[str, Any], reason: str | None) -> None:
    assert skip_reason(_row(**fields)) == reason


def test_build_counts_skips_and_first_offering_keeps_a_key() -> None:
    rows = [
        _row(provider_model_id="a", input_price=Decimal("1")),
        _row(provider_model_id="a", input_price=Decimal("9")),  # a duplicate key: ignored
        _row(provider_id="302ai"),
        _row(price_variable=True),
        _row(
            provider_id="openrouter",
            provider_model_id="x/y",
            reasoning_price=Decimal("4"),
            expires_on=date(2026, 1, 31),
            price_tiers=[
                {"above_tokens": 128000, "input_price": "2"},
                {"above_tokens": 256000, "output_price": "8"},
            ],
        ),
    ]
    built = build_cost_map(rows)
    assert set(built.entries) == {"openai/a", "a", "openrouter/x/y"}
    assert built.entries["a"]["input_cost_per_token"] == 1e-06
    assert built.skipped == {
        "provider unknown to LiteLLM": 1,
        "price varies with the routed model": 1,
    }
    routed = built.entries["openrouter/x/y"]
    assert routed["output_cost_per_reasoning_token"] == 4e-06
    assert routed["deprecation_date"] == "2026-01-31"
    # Each tier in full: the 256k tier keeps the BASE input price, as estimateCost does.
    assert routed["input_cost_per_token_above_128k_tokens"] == 2e-06
    assert routed["output_cost_per_token_above_128k_tokens"] == 2e-06
    assert routed["input_cost_per_token_above_256k_tokens"] == 1e-06
    assert routed["output_cost_per_token_above_256k_tokens"] == 8e-06


def test_provider_names_are_one_to_one() -> None:
    assert len(set(LITELLM_PROVIDERS.values())) == len(LITELLM_PROVIDERS)
