"""The identity rules of issue 16 on small hand-written catalogs (not the shared payloads):
keys shared across sources known before placing, moving aliases, looser gateway keys,
display-name vetoes, OpenRouter's routers, `minted`."""

from __future__ import annotations

import random
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest

from sync.merge import Catalog, merge
from sync.records import Normalized
from sync.shared_keys import names_its_version, snapshot_stamps, versions_conflict
from sync.sources import models_dev, openrouter

MD = "models.dev"
# provider -> model id -> (display name, input price per 1M or None)
Entries = dict[str, dict[str, tuple[str, float | None]]]


def _entry(name: str, price: float | None) -> dict[str, Any]:
    return {
        "name": name,
        **({"cost": {"input": price, "output": price}} if price is not None else {}),
    }


def _models_dev(entries: Entries) -> Normalized:
    document = {
        provider: {
            "name": provider,
            "models": {mid: _entry(name, p) for mid, (name, p) in models.items()},
        }
        for provider, models in entries.items()
    }
    return models_dev.normalize(document)


def _openrouter(rows: Sequence[tuple[str, str, str | None, str]]) -> Normalized:
    """rows: (id, display name, hugging_face_id, price per token)."""
    data = [
        {
            "id": rid,
            "name": name,
            "hugging_face_id": hf,
            "canonical_slug": rid.split(":")[0],
            "pricing": {"prompt": price, "completion": price},
        }
        for rid, name, hf, price in rows
    ]
    return openrouter.normalize({"data": data})


def _model(catalog: Catalog, source: str, external_id: str) -> str | None:
    return catalog.record_models[source, external_id]


KIMI_MD: Entries = {
    "moonshotai": {"kimi-k2-0711-preview": ("Kimi K2 0711", 0.6)},
    "huggingface": {"moonshotai/Kimi-K2-Instruct": ("Kimi-K2-Instruct", 1)},
    "novita-ai": {"moonshotai/kimi-k2-instruct": ("Kimi K2 Instruct", 0.57)},
    "openrouter": {"moonshotai/kimi-k2": ("Kimi K2 0711", 0.57)},
}
KIMI_OR = [("moonshotai/kimi-k2", "MoonshotAI: Kimi K2 0711", "moonshotai/Kimi-K2-Instruct", "0")]


def test_openrouter_hf_ids_join_hosts_of_the_repo_whatever_the_order() -> None:
    catalog = merge([_models_dev(KIMI_MD), _openrouter(KIMI_OR)])
    model = _model(catalog, "openrouter", "moonshotai/kimi-k2")
    assert model == "moonshotai/kimi-k2-instruct"  # the repo's name is the more exact one
    for entry in KIMI_MD.keys() - {"moonshotai"}:
        key = next(iter(KIMI_MD[entry]))
        assert _model(catalog, MD, f"{entry}/{key}") == model, entry
    # The same catalog whichever order the sources and their records come in.
    md, orr = _models_dev(KIMI_MD), _openrouter(KIMI_OR)
    random.Random(16).shuffle(md.items)
    assert merge([orr, md]).record_models == catalog.record_models


DEEPSEEK_MD: Entries = {
    "deepseek": {
        "deepseek-chat": ("DeepSeek Chat", 0.14),
        "deepseek-v3.2": ("DeepSeek V3.2", 0.28),
    },
    "openrouter": {"deepseek/deepseek-chat": ("DeepSeek Chat", 0.2)},
    "orcarouter": {"deepseek/deepseek-chat": ("DeepSeek Chat", 0.14)},
    "siliconflow": {"deepseek-ai/DeepSeek-V3": ("deepseek-ai/DeepSeek-V3", 0.25)},
    "vercel": {"deepseek/deepseek-v3": ("DeepSeek V3 0324", 0.27)},
    "github-models": {"deepseek/deepseek-v3-0324": ("DeepSeek-V3-0324", 0)},
}
DEEPSEEK_OR = [("deepseek/deepseek-chat", "DeepSeek: DeepSeek V3", "deepseek-ai/DeepSeek-V3", "0")]


@pytest.mark.parametrize(
    ("source", "external_id", "expected"),
    [
        (MD, "deepseek/deepseek-chat", "deepseek/deepseek-chat"),  # the lab's moving alias
        (MD, "orcarouter/deepseek/deepseek-chat", "deepseek/deepseek-chat"),  # a copy of it
        ("openrouter", "deepseek/deepseek-chat", "deepseek/deepseek-v3"),  # its HF id says V3
        (MD, "openrouter/deepseek/deepseek-chat", "deepseek/deepseek-v3"),
        (MD, "siliconflow/deepseek-ai/DeepSeek-V3", "deepseek/deepseek-v3"),
        (MD, "vercel/deepseek/deepseek-v3", "deepseek/deepseek-v3-0324"),  # name's stamp
    ],
)
def test_moving_alias_never_absorbs_a_fixed_model(
    source: str, external_id: str, expected: str
) -> None:
    catalog = merge([_models_dev(DEEPSEEK_MD), _openrouter(DEEPSEEK_OR)])
    assert _model(catalog, source, external_id) == expected
    # identity.json lists deepseek-chat with its current target
    assert catalog.aliases == {"deepseek/deepseek-chat": "deepseek/deepseek-v3.2"}
    assert catalog.models["deepseek/deepseek-chat"]["alias_of"] == "deepseek/deepseek-v3.2"


ALIASES_MD: Entries = {
    "anthropic": {
        "claude-sonnet-4-0": ("Claude Sonnet 4 (latest)", 3),
        "claude-sonnet-4-20250514": ("Claude Sonnet 4", 3),
    },
    "openai": {"gpt-5-chat-latest": ("GPT-5 Chat (latest)", 1.25)},
    "mistral": {"mistral-large-latest": ("Mistral Large (latest)", 0.5)},
    "openrouter": {
        "anthropic/claude-sonnet-4": ("Claude Sonnet 4", 3),
        "openai/gpt-5-chat": ("GPT-5 Chat", 1.25),
        "mistralai/mistral-large": ("Mistral Large", 2),
    },
    "helicone": {"gpt-5-chat-latest": ("OpenAI GPT-5 Chat Latest", 1.25)},
}


@pytest.mark.parametrize(
    ("entry", "model", "alias_of"),
    [
        ("anthropic/claude-sonnet-4-0", "anthropic/claude-sonnet-4-0",
         "anthropic/claude-sonnet-4-20250514"),
        # a router's undated id is the lab's only dated snapshot, not the alias
        ("openrouter/anthropic/claude-sonnet-4", "anthropic/claude-sonnet-4-20250514", None),
        ("openai/gpt-5-chat-latest", "openai/gpt-5-chat-latest", "openai/gpt-5-chat"),
        ("helicone/gpt-5-chat-latest", "openai/gpt-5-chat-latest", "openai/gpt-5-chat"),
        ("openrouter/openai/gpt-5-chat", "openai/gpt-5-chat", None),
        # the old undated `mistral-large` costs 2, the alias 0.5: not what it points at
        ("mistral/mistral-large-latest", "mistral/mistral-large-latest", None),
    ],
)  # fmt: skip
def test_latest_aliases_point_at_their_model(entry: str, model: str, alias_of: str | None) -> None:
    catalog = merge([_models_dev(ALIASES_MD)])
    assert _model(catalog, MD, entry) == model
    assert catalog.models[model]["alias_of"] == alias_of


LOOSE_MD: Entries = {
    "google": {"gemini-3-pro-preview": ("Gemini 3 Pro Preview", 2)},
    "neon": {"gemini-3-pro": ("Gemini 3 Pro Preview", 2)},
    "poe": {"google/gemini-3-pro": ("Gemini-3-Pro", 1.6)},
    "openrouter": {"amazon/nova-pro-v1": ("Nova Pro 1.0", 0.8)},
    "vercel": {"amazon/nova-pro": ("Nova Pro", 0.8)},
    "amazon-bedrock": {"amazon.nova-pro-v1:0": ("Nova Pro", 0.8)},
    "kilo": {"openrouter/auto": ("Auto Router", 0)},
    "zenmux": {"openrouter/auto": ("Auto Router", 0)},
    "together": {
        "amazon/nova-pro": ("Nova Pro", 0.8),
        "amazon/nova-pro-v1": ("Nova Pro fast", 2),  # listed apart at another price
    },
}


@pytest.mark.parametrize(
    ("entry", "model"),
    [
        ("neon/gemini-3-pro", "google/gemini-3-pro-preview"),
        ("poe/google/gemini-3-pro", "google/gemini-3-pro-preview"),
        ("vercel/amazon/nova-pro", "amazon/nova-pro-v1"),
        ("amazon-bedrock/amazon.nova-pro-v1:0", "amazon/nova-pro-v1"),
        ("kilo/openrouter/auto", "openrouter/auto"),  # OpenRouter's router, not Kilo's
        ("zenmux/openrouter/auto", "openrouter/auto"),
        ("together/amazon/nova-pro", "amazon/nova-pro-v1"),
        ("together/amazon/nova-pro-v1", "together/amazon/nova-pro-v1"),  # the price rule wins
    ],
)
def test_gateway_ids_use_the_looser_host_keys(entry: str, model: str) -> None:
    catalog = merge([_models_dev(LOOSE_MD)])
    assert _model(catalog, MD, entry) == model


VETO_MD: Entries = {
    "anthropic": {
        "claude-sonnet-4-20250514": ("Claude Sonnet 4", 3),
        "claude-sonnet-4-5-20250929": ("Claude Sonnet 4.5", 3),
    },
    "deepseek": {"deepseek-v3": ("DeepSeek V3", 0.27), "deepseek-v3.1": ("DeepSeek V3.1", 0.5)},
    "neon": {"claude-sonnet-4": ("Claude Sonnet 4.5", 3)},
    "cortecs": {"claude-sonnet-4": ("Claude Sonnet 4", 3)},
    "amazon-bedrock": {"deepseek.v3-v1:0": ("DeepSeek-V3.1", 0.58)},
}


@pytest.mark.parametrize(
    ("entry", "model", "method"),
    [
        ("neon/claude-sonnet-4", "anthropic/claude-sonnet-4-5-20250929", "name"),
        ("cortecs/claude-sonnet-4", "anthropic/claude-sonnet-4-20250514", "normalized"),
        ("amazon-bedrock/deepseek.v3-v1:0", "deepseek/deepseek-v3.1", "name"),
    ],
)
def test_display_name_versions_veto_a_slug_match(entry: str, model: str, method: str) -> None:
    catalog = merge([_models_dev(VETO_MD)])
    link = catalog.external_ids[MD, entry]
    assert (link.model_id, link.method) == (model, method)


@pytest.mark.parametrize(
    ("name", "model_id", "conflict"),
    [
        ("DeepSeek-V3.1", "deepseek/deepseek-v3", True),
        ("Claude Sonnet 4.5", "anthropic/claude-sonnet-4", True),
        ("Claude Sonnet 4.5", "anthropic/claude-sonnet-4-5-20250929", False),
        ("Claude Sonnet 4", "anthropic/claude-sonnet-4-5", False),  # no dotted version
        ("Nova Pro 1.0", "amazon/nova-pro-v1", False),  # x.0 is the major version
        ("Mistral Large 2.1", "mistral/mistral-large-2411", False),  # YYMM, no major 2
        ("Llama 3.1 70B", "meta/llama3-1-70b-instruct", False),
        ("Gemini 2.5 Pro", "google/gemini-2-0-pro", True),
    ],
)
def test_versions_conflict(name: str, model_id: str, conflict: bool) -> None:
    assert versions_conflict(name, model_id) is conflict


def test_snapshot_stamps() -> None:
    assert snapshot_stamps("DeepSeek V3 0324") == ["0324"]
    assert snapshot_stamps("Kimi K2 (07/11)") == []
    assert snapshot_stamps("Qwen3 235B A22B 2507") == []  # YYMM, not a month-day stamp


def test_minted_for_records_that_matched_nothing() -> None:
    catalog = merge([_models_dev({"openai": {"gpt-5": ("GPT-5", 1)}, "acme": {"x-1": ("X", 1)}})])
    assert catalog.external_ids[MD, "openai/gpt-5"].method == "exact"  # the lab's own id
    assert catalog.external_ids[MD, "acme/x-1"].method == "minted"
    assert catalog.models["acme/x-1"]["alias_of"] is None
    prices: dict[str, Any] = catalog.offerings["acme", "x-1"]
    assert prices["input_price"] == Decimal(1)


LABS_MD: Entries = {
    "sakana": {"fugu-ultra": ("Fugu Ultra", 5)},
    "openrouter": {"sakana/fugu-ultra": ("Fugu Ultra", 5), "openrouter/auto": ("Auto Router", 0)},
    "vercel": {"sakana/fugu-ultra": ("Fugu Ultra", 5)},
    "morph": {"auto": ("Auto", 0)},
    "llmgateway": {"auto": ("Auto", 0)},
    "nova": {"nova-2-pro-v1": ("Nova 2 Pro", 1)},
    "nano-gpt": {
        "gemini-2.5-flash-preview-04-17": ("Gemini 2.5 Flash Preview", 0.15),
        "doubao-seed-1-6-250615": ("Doubao Seed 1.6", 0.2),
        "qwen3.5-27b-derestricted": ("Qwen 3.5 27B Derestricted", 0.1),
        "gemma-4-31b-garnet": ("Gemma 4 31B Garnet", 0.1),
        "claude-sonnet-4-thinking": ("Claude 4 Sonnet Thinking", 3),
    },
}


@pytest.mark.parametrize(
    ("entry", "model"),
    [
        ("openrouter/sakana/fugu-ultra", "sakana/fugu-ultra"),  # Sakana is a lab
        ("vercel/sakana/fugu-ultra", "sakana/fugu-ultra"),
        ("nova/nova-2-pro-v1", "amazon/nova-2-pro-v1"),  # Amazon's Nova API
        ("openrouter/openrouter/auto", "openrouter/auto"),  # not Morph's `auto`
        ("llmgateway/auto", "llmgateway/auto"),  # a generic word: each host's own product
        ("nano-gpt/gemini-2.5-flash-preview-04-17", "google/gemini-2.5-flash-preview-04-17"),
        ("nano-gpt/doubao-seed-1-6-250615", "bytedance/doubao-seed-1-6-250615"),
        ("nano-gpt/qwen3.5-27b-derestricted", "nano-gpt/qwen3.5-27b-derestricted"),
        ("nano-gpt/gemma-4-31b-garnet", "nano-gpt/gemma-4-31b-garnet"),  # no snapshot mark
        ("nano-gpt/claude-sonnet-4-thinking", "nano-gpt/claude-sonnet-4-thinking"),
    ],
)
def test_labs_and_lab_snapshots(entry: str, model: str) -> None:
    catalog = merge([_models_dev(LABS_MD)])
    assert _model(catalog, MD, entry) == model


NAMES_MD: Entries = {
    "mistral": {
        "mistral-large-2512": ("Mistral Large 3", 0.5),
        "mistral-medium-2508": ("Mistral Medium 3.1", 0.4),
    },
    "openai": {"gpt-4-turbo": ("GPT-4 Turbo", 10)},
    "kilo": {"openai/gpt-4-1106-preview": ("OpenAI: GPT-4 Turbo (older v1106)", 10)},
    "vercel": {
        "mistral/mistral-large-3": ("Mistral Large 3", 0.5),
        "mistral/mistral-medium": ("Mistral Medium 3.1", 0.4),
    },
    "zenmux": {"mistralai/mistral-large-3": ("Mistral Large 3", 0.5)},
}


@pytest.mark.parametrize(
    ("entry", "model"),
    [
        # the lab's own model with the entry's display name, within the creator
        ("vercel/mistral/mistral-large-3", "mistral/mistral-large-2512"),
        ("zenmux/mistralai/mistral-large-3", "mistral/mistral-large-2512"),
        ("vercel/mistral/mistral-medium", "mistral/mistral-medium-2508"),
        # parentheses that are not an effort level name another snapshot
        ("kilo/openai/gpt-4-1106-preview", "openai/gpt-4-1106-preview"),
    ],
)
def test_lab_entries_find_the_labs_model_by_display_name(entry: str, model: str) -> None:
    catalog = merge([_models_dev(NAMES_MD)])
    assert _model(catalog, MD, entry) == model


def test_an_id_without_the_names_version_lends_no_keys() -> None:
    catalog = merge([_models_dev(NAMES_MD)])
    # Vercel's `mistral-medium` is Medium 3.1 by name, but `mistral/mistral-medium` must not
    # become a key of 3.1 (AA's 2023 'Mistral Medium' would land on it); `mistral-large-3`
    # carries its version and does become a key of Large 3.
    assert not catalog.external_ids[MD, "vercel/mistral/mistral-medium"].lends_keys
    assert catalog.external_ids[MD, "vercel/mistral/mistral-large-3"].lends_keys


@pytest.mark.parametrize(
    ("name", "slug", "names_it"),
    [
        ("Mistral Medium 3.5", "mistral-medium-3-5", True),
        ("Mistral Medium 3.1", "mistral-medium", False),
        ("Mistral Large 3", "mistral-large-3", True),  # no dotted version to carry
        ("Nova Pro 1.0", "nova-pro", True),
    ],
)
def test_names_its_version(name: str, slug: str, names_it: bool) -> None:
    assert names_its_version(name, slug) is names_it


QUANT_MD: Entries = {
    "llama": {"llama-4-maverick-17b-128e-instruct-fp8": ("Llama-4-Maverick FP8", 0)},
    "zai": {"glm-5.1": ("GLM-5.1", 1.4)},
    "gmicloud": {"zai-org/GLM-5.1-FP8": ("GLM-5.1", 0.98)},
    "groq": {"meta-llama/llama-4-maverick-17b-128e-instruct": ("Llama 4 Maverick", 0.2)},
    "nebius": {
        "zai-org/GLM-5.1": ("GLM-5.1", 1),
        "zai-org/GLM-5.1-FP8": ("GLM-5.1 FP8", 0.5),  # listed apart at another price
    },
}


@pytest.mark.parametrize(
    ("entry", "model"),
    [
        ("gmicloud/zai-org/GLM-5.1-FP8", "zai/glm-5.1"),  # a quantized build: same model
        # the lab's own id is the quantized one: the unquantized repo joins it
        ("groq/meta-llama/llama-4-maverick-17b-128e-instruct",
         "meta/llama-4-maverick-17b-128e-instruct-fp8"),
        ("nebius/zai-org/GLM-5.1", "zai/glm-5.1"),
        ("nebius/zai-org/GLM-5.1-FP8", "zai/glm-5.1-fp8"),  # the price rule keeps it apart
    ],
)  # fmt: skip
def test_quantized_builds_are_the_same_model(entry: str, model: str) -> None:
    catalog = merge([_models_dev(QUANT_MD)])
    assert _model(catalog, MD, entry) == model
