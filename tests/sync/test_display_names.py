"""Readable names where a source gives only a slug (issue 14 item 6)."""

from __future__ import annotations

import pytest

from sync.display_names import display_name
from sync.merge import merge
from sync.sources import models_dev


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("dracarys-llama-3.1-70b-instruct", "Dracarys Llama 3.1 70B Instruct"),
        ("abacusai/dracarys-llama-3_1-70b-instruct", "Dracarys Llama 3.1 70B Instruct"),
        ("gpt-5-nano", "GPT-5 Nano"),
        ("deepseek-v3.1:671b", "DeepSeek V3.1 671B"),
        ("qwen3-coder-480b-a35b-instruct", "Qwen3 Coder 480B A35B Instruct"),
        ("mixtral-8x7b-instruct", "Mixtral 8x7B Instruct"),
        ("o3-mini", "o3 Mini"),
        ("gemma-3-27b-it", "Gemma 3 27B IT"),
        ("anthropic--claude-3.7-sonnet", "Anthropic Claude 3.7 Sonnet"),
        ("claude-opus-4-1", "Claude Opus 4.1"),
        ("gpt-3-5-turbo", "GPT-3.5 Turbo"),
        ("o1-2024-12-17", "o1 2024-12-17"),  # a date is not a version
        ("llama-3-8b", "Llama 3 8B"),
        # the source's own display names are kept as written
        ("MiniMax-M2", "MiniMax-M2"),
        ("GPT-4o", "GPT-4o"),
        ("Claude Sonnet 4", "Claude Sonnet 4"),
        ("llama 3 instruct", "llama 3 instruct"),  # has a space: a name someone wrote
        ("4096", "4096"),  # no letters: nothing to make readable
    ],
)
def test_display_name(raw: str, shown: str) -> None:
    assert display_name(raw) == shown


def test_model_gets_the_display_name_and_the_offering_keeps_the_raw_one() -> None:
    document = {
        "deepinfra": {
            "id": "deepinfra",
            "name": "DeepInfra",
            "env": [],
            "npm": "@ai-sdk/openai-compatible",
            "models": {
                "abacusai/dracarys-llama-3.1-70b-instruct": {
                    "id": "abacusai/dracarys-llama-3.1-70b-instruct",
                    "name": "dracarys-llama-3.1-70b-instruct",
                    "attachment": False,
                    "reasoning": False,
                    "tool_call": True,
                    "release_date": "2024-08-01",
                    "last_updated": "2024-08-01",
                    "modalities": {"input": ["text"], "output": ["text"]},
                    "open_weights": True,
                    "limit": {"context": 131072, "output": 8192},
                    "cost": {"input": 0.9, "output": 0.9},
                }
            },
        }
    }
    catalog = merge([models_dev.normalize(document)])
    [model] = catalog.models.values()
    assert model["name"] == "Dracarys Llama 3.1 70B Instruct"
    [offering] = catalog.offerings.values()
    assert offering["name"] == "dracarys-llama-3.1-70b-instruct"  # provenance
