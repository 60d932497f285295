"""Small hand-written upstream payloads in the four sources' shapes (see
/work/shared/upstream/README.md), generated so two snapshots differ in a checkable way.

Snapshot `generation` g of size n lists models `acme/model-000` … `acme/model-<n-1>`;
model i costs (i + 1) * g USD per 1M input tokens and twice that for output, everywhere.
A response built from one snapshot therefore tells which generation it came from.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

CREATOR = "acme"
SOURCES = ("models.dev", "openrouter", "huggingface", "artificialanalysis")


def model_id(i: int) -> str:
    return f"{CREATOR}/model-{i:03d}"


def input_price(i: int, generation: int) -> float:
    return float((i + 1) * generation)


@dataclass(frozen=True)
class Snapshot:
    size: int
    generation: int

    def model_ids(self) -> list[str]:
        return [model_id(i) for i in range(self.size)]

    def payloads(self) -> dict[str, Any]:
        return {
            "models.dev": self.models_dev(),
            "openrouter": self.openrouter(),
            "huggingface": self.huggingface(),
            "artificialanalysis": self.artificial_analysis(),
        }

    def models_dev(self) -> dict[str, Any]:
        models = {f"model-{i:03d}": _models_dev_model(i, self.generation) for i in range(self.size)}
        return {
            CREATOR: {
                "id": CREATOR,
                "env": ["ACME_API_KEY"],
                "npm": "@ai-sdk/openai-compatible",
                "api": "https://api.acme.example/v1",
                "name": "Acme",
                "doc": "https://acme.example/docs",
                "models": models,
            }
        }

    def openrouter(self) -> dict[str, Any]:
        return {"data": [_openrouter_model(i, self.generation) for i in range(self.size)]}

    def huggingface(self) -> list[dict[str, Any]]:
        return [_hf_row(i) for i in range(self.size) if i % 4 == 0]

    def artificial_analysis(self) -> dict[str, Any]:
        return {
            "status": 200,
            "prompt_options": {"parallel_queries": 1, "prompt_length": 1000},
            "data": [_aa_model(i, self.generation) for i in range(self.size)],
        }


def _models_dev_model(i: int, generation: int) -> dict[str, Any]:
    price = input_price(i, generation)
    return {
        "id": f"model-{i:03d}",
        "name": f"Model {i:03d}",
        "family": "model",
        "attachment": False,
        "reasoning": i % 2 == 0,
        "tool_call": True,
        "temperature": True,
        "knowledge": "2025-01",
        "release_date": "2025-01-15",
        "last_updated": "2025-02-01",
        "modalities": {"input": ["text"], "output": ["text"]},
        "open_weights": i % 4 == 0,
        "limit": {"context": 128_000 + i, "output": 8_192},
        "cost": {"input": price, "output": price * 2},
    }


def _openrouter_model(i: int, generation: int) -> dict[str, Any]:
    per_token = input_price(i, generation) / 1_000_000
    return {
        "id": model_id(i),
        "canonical_slug": model_id(i),
        "hugging_face_id": f"acme/Model-{i:03d}" if i % 4 == 0 else "",
        "name": f"Acme: Model {i:03d}",
        "created": 1_736_899_200,
        "description": f"Model number {i}.",
        "context_length": 128_000 + i,
        "architecture": {
            "modality": "text->text",
            "input_modalities": ["text"],
            "output_modalities": ["text"],
            "tokenizer": "Other",
            "instruct_type": None,
        },
        "pricing": {"prompt": f"{per_token:.10f}", "completion": f"{per_token * 2:.10f}"},
        "top_provider": {
            "context_length": 128_000 + i,
            "max_completion_tokens": 8_192,
            "is_moderated": False,
        },
        "per_request_limits": None,
        "supported_parameters": ["tools", "temperature"],
        "default_parameters": {"temperature": None},
        "supported_voices": None,
        "knowledge_cutoff": None,
        "expiration_date": None,
        "links": {"details": f"/api/v1/models/{model_id(i)}/endpoints"},
    }


def _hf_row(i: int) -> dict[str, Any]:
    repo = f"acme/Model-{i:03d}"
    return {
        "_id": f"{i:024x}",
        "id": repo,
        "likes": 10 * i,
        "trendingScore": i,
        "private": False,
        "downloads": 1_000 * i,
        "tags": ["transformers", "text-generation", "license:apache-2.0"],
        "pipeline_tag": "text-generation",
        "library_name": "transformers",
        "createdAt": "2025-01-15T00:00:00.000Z",
        "modelId": repo,
    }


def _aa_model(i: int, generation: int) -> dict[str, Any]:
    price = input_price(i, generation)
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, model_id(i))),
        "name": f"Model {i:03d}",
        "slug": f"model-{i:03d}",
        "release_date": "2025-01-15",
        "model_creator": {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, CREATOR)),
            "name": "Acme",
            "slug": CREATOR,
        },
        "evaluations": {
            "artificial_analysis_intelligence_index": 40.0 + i % 30,
            "artificial_analysis_coding_index": 30.0,
            "artificial_analysis_math_index": None,
            "mmlu_pro": 0.7,
            "gpqa": None,
        },
        "pricing": {
            "price_1m_input_tokens": price,
            "price_1m_output_tokens": price * 2,
            "price_1m_blended_3_to_1": price * 5 / 4,
        },
        "median_output_tokens_per_second": 100.0,
        "median_time_to_first_token_seconds": 0.4,
        "median_time_to_first_answer_token": 0.4,
    }
