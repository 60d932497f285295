"""Host model ids -> lab models (sync.host_ids, sync.host_match), on hand-written entries."""

from __future__ import annotations

from typing import Any

import pytest

from sync.host_ids import decode, split_variant_suffix
from sync.merge import Catalog, merge
from sync.sources import models_dev

MD = "models.dev"


@pytest.mark.parametrize(
    ("provider", "model_id", "creator", "slug"),
    [
        ("amazon-bedrock", "us.anthropic.claude-opus-4-1-20250805-v1:0", "anthropic",
         "claude-opus-4-1-20250805"),
        ("amazon-bedrock", "openai.gpt-oss-120b-1:0", "openai", "gpt-oss-120b"),
        ("amazon-bedrock", "deepseek.v3-v1:0", "deepseek", "deepseek-v3"),
        ("cloudflare-workers-ai", "@cf/meta/llama-3.1-8b-instruct", "meta",
         "llama-3.1-8b-instruct"),
        ("cloudflare-ai-gateway", "workers-ai/@cf/meta/llama-3.1-8b-instruct", "meta",
         "llama-3.1-8b-instruct"),
        ("fireworks-ai", "accounts/fireworks/models/glm-5p1", None, "glm-5.1"),
        ("clarifai", "moonshotai/chat-completion/models/Kimi-K2_6", "moonshotai", "Kimi-K2_6"),
        ("google-vertex", "claude-opus-4-1@20250805", None, "claude-opus-4-1-20250805"),
        ("siliconflow-cn", "Pro/deepseek-ai/DeepSeek-R1", "deepseek", "DeepSeek-R1"),
        ("synthetic", "hf:zai-org/GLM-4.7", "zai", "GLM-4.7"),
        ("nano-gpt", "TEE/deepseek-v4-pro:thinking", None, "deepseek-v4-pro"),
        ("google-vertex", "deepseek-ai/deepseek-v3.2-maas", "deepseek", "deepseek-v3.2"),
        ("digitalocean", "anthropic-claude-4.5-haiku", "anthropic", "claude-4.5-haiku"),
    ],
)  # fmt: skip
def test_host_decorations_are_stripped(
    provider: str, model_id: str, creator: str | None, slug: str
) -> None:
    forms = {(f.creator, f.slug) for f in decode(provider, model_id).forms}
    assert (creator, slug) in forms


def test_version_dots_are_not_bedrock_lab_prefixes() -> None:
    assert [f.kind for f in decode("x", "glm-4.6").forms] == ["id", "glued"]
    assert [f.kind for f in decode("x", "qwen3.5-27b").forms] == ["id"]


@pytest.mark.parametrize(
    ("model_id", "expected"),
    [
        ("anthropic/claude-opus-4.6:thinking:low", ("anthropic/claude-opus-4.6", "thinking-low")),
        ("openai/gpt-oss-120b:free", ("openai/gpt-oss-120b", "free")),
        ("claude-opus-4-thinking:32768", ("claude-opus-4-thinking", "32768")),  # a budget
        ("gemma3:27b", ("gemma3:27b", "")),  # an Ollama size tag is part of the name
        ("anthropic.claude-x-v1:0", ("anthropic.claude-x-v1:0", "")),  # a Bedrock version
    ],
)
def test_variant_suffixes(model_id: str, expected: tuple[str, str]) -> None:
    assert split_variant_suffix(model_id) == expected


def test_free_written_with_a_hyphen_is_a_variant() -> None:
    assert decode("opencode", "glm-4.7-free").forms[0].slug == "glm-4.7"


def _merge(providers: dict[str, dict[str, Any]]) -> Catalog:
    """providers: id -> {model id: input price or None}; `zai`/`anthropic`… are labs."""
    document = {
        provider: {
            "name": provider,
            "models": {
                mid: {"name": mid, **({"cost": {"input": p, "output": p}} if p is not None else {})}
                for mid, p in models.items()
            },
        }
        for provider, models in providers.items()
    }
    return merge([models_dev.normalize(document)])


def _link(catalog: Catalog, key: str) -> tuple[str, str]:
    link = catalog.external_ids[MD, key]
    return link.model_id, link.method


def test_host_entries_join_the_lab_model() -> None:
    catalog = _merge(
        {
            "anthropic": {"claude-opus-4-1-20250805": 15, "claude-opus-4-1": 15},
            "llama": {},
            "openai": {"gpt-oss-120b": 1},
            "amazon-bedrock": {
                "us.anthropic.claude-opus-4-1-20250805-v1:0": 15,
                "eu.anthropic.claude-opus-4-1-20250805-v1:0": 16,  # regional price
                "openai.gpt-oss-120b-1:0": 2,
            },
            "google-vertex": {"claude-opus-4-1@20250805": 15},
            "fireworks-ai": {"accounts/fireworks/models/gpt-oss-120b": 1},
            "ollama-cloud": {"gpt-oss:120b": 1},
        }
    )
    dated = "anthropic/claude-opus-4-1-20250805"
    for key in (
        "amazon-bedrock/us.anthropic.claude-opus-4-1-20250805-v1:0",
        "amazon-bedrock/eu.anthropic.claude-opus-4-1-20250805-v1:0",
        "google-vertex/claude-opus-4-1@20250805",
    ):
        assert _link(catalog, key) == (dated, "normalized")
    for key in (
        "amazon-bedrock/openai.gpt-oss-120b-1:0",
        "fireworks-ai/accounts/fireworks/models/gpt-oss-120b",
        "ollama-cloud/gpt-oss:120b",
    ):
        assert _link(catalog, key) == ("openai/gpt-oss-120b", "normalized")
    # every offering keeps its own provider id and price
    offer = catalog.offerings["amazon-bedrock", "eu.anthropic.claude-opus-4-1-20250805-v1:0"]
    assert offer["model_id"] == dated and offer["input_price"] == 16


def test_a_dated_host_id_stays_apart_when_the_lab_lists_no_such_date() -> None:
    catalog = _merge(
        {"anthropic": {"claude-haiku-4-5": 1}, "302ai": {"claude-haiku-4-5-20991231": 1}}
    )
    # apart from the undated model, filed under the lab as its snapshot (sync/host_match.py)
    assert _link(catalog, "302ai/claude-haiku-4-5-20991231") == (
        "anthropic/claude-haiku-4-5-20991231",
        "minted",
    )


def test_variant_suffixes_map_to_the_base_model_with_their_own_offering() -> None:
    catalog = _merge(
        {
            "zai": {"glm-4.6": 2},
            "openrouter": {"z-ai/glm-4.6": 2, "z-ai/glm-4.6:free": 0},
            "nano-gpt": {"z-ai/glm-4.6:thinking": 3, "TEE/glm-4.6": 4},
        }
    )
    for key in ("openrouter/z-ai/glm-4.6:free", "nano-gpt/z-ai/glm-4.6:thinking"):
        assert _link(catalog, key)[0] == "zai/glm-4.6"
    assert _link(catalog, "nano-gpt/TEE/glm-4.6") == ("zai/glm-4.6", "normalized")
    assert not [m for m in catalog.models if ":" in m]
    assert catalog.offerings["openrouter", "z-ai/glm-4.6:free"]["is_free"] is True


def test_same_provider_two_ids_different_prices_are_not_merged() -> None:
    # `glm-4.6` and `glm-4-6` normalize alike, but the host prices them apart: two models.
    catalog = _merge({"zai": {"glm-4.6": 2}, "somehost": {"glm-4.6": 2, "glm-4-6": 5}})
    assert _link(catalog, "somehost/glm-4.6")[0] == "zai/glm-4.6"
    assert _link(catalog, "somehost/glm-4-6")[0] != "zai/glm-4.6"
    # at the same price they are one model listed twice
    same = _merge({"zai": {"glm-4.6": 2}, "somehost": {"glm-4.6": 2, "glm-4-6": 2}})
    assert _link(same, "somehost/glm-4-6")[0] == "zai/glm-4.6"


def test_unmatched_host_models_take_the_creator_their_id_names() -> None:
    catalog = _merge(
        {
            "openai": {"gpt-5": 1},
            "llama": {"llama-9": 1},
            "cloudflare-workers-ai": {"@cf/meta/llama-3.2-1b-fp8": 1},
            "nano-gpt": {"jamba-large-1.6": 2, "auto": 1},
            "302ai": {"jamba-large-1.6": 3, "auto": 1},
        }
    )
    cf = _link(catalog, "cloudflare-workers-ai/@cf/meta/llama-3.2-1b-fp8")
    assert cf == ("meta/llama-3.2-1b-fp8", "minted")
    assert catalog.models["meta/llama-3.2-1b-fp8"]["creator_id"] == "meta"
    # a versioned id two hosts list is one model; a bare product word stays per host
    assert _link(catalog, "302ai/jamba-large-1.6")[0] == "302ai/jamba-large-1.6"
    assert _link(catalog, "nano-gpt/jamba-large-1.6") == ("302ai/jamba-large-1.6", "normalized")
    assert _link(catalog, "nano-gpt/auto")[0] != _link(catalog, "302ai/auto")[0]


def test_host_spellings_compact_and_word_order() -> None:
    catalog = _merge(
        {
            "google": {"gemma-3-27b-it": 1},
            "anthropic": {"claude-opus-4": 15, "claude-haiku-4-5": 1},
            "llama": {"llama-3.1-70b-instruct": 1},
            "ollama-cloud": {"gemma3:27b": 1},
            "qiniu-ai": {"claude-4.0-opus": 15},
            "digitalocean": {"anthropic-claude-4.5-haiku": 1},
            "amazon-bedrock": {"meta.llama3-1-70b-instruct-v1:0": 1},
        }
    )
    assert _link(catalog, "ollama-cloud/gemma3:27b")[0] == "google/gemma-3-27b-it"
    assert _link(catalog, "qiniu-ai/claude-4.0-opus")[0] == "anthropic/claude-opus-4"
    assert _link(catalog, "digitalocean/anthropic-claude-4.5-haiku")[0] == (
        "anthropic/claude-haiku-4-5"
    )
    assert _link(catalog, "amazon-bedrock/meta.llama3-1-70b-instruct-v1:0")[0] == (
        "meta/llama-3.1-70b-instruct"
    )


def test_ambiguous_compact_keys_never_link() -> None:
    # the lab lists the base and the instruct model: `llama3-70b` names neither for sure
    catalog = _merge(
        {"llama": {"llama-3-70b": 1, "llama-3-70b-instruct": 1}, "somehost": {"llama3:70b": 1}}
    )
    assert _link(catalog, "somehost/llama3:70b")[0] == "meta/llama-3-70b"  # compact is unique
    two = _merge(
        {"llama": {"llama-3-70b-it": 1, "llama-3-70b-instruct": 1}, "h": {"llama3:70b": 1}}
    )
    assert _link(two, "h/llama3:70b") == ("h/llama3:70b", "minted")
