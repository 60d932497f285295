"""Merge rules on the fixtures: identity methods, who wins, provenance, variants, nulls."""

from __future__ import annotations

import json
from decimal import Decimal

from sync.merge import Catalog, merge
from sync.sources import artificialanalysis, huggingface, models_dev, openrouter
from tests.sync.support import FIXTURES


def _catalog() -> Catalog:
    def load(name: str) -> object:
        return json.loads((FIXTURES / name).read_text())

    return merge(
        [
            models_dev.normalize(load("models_dev.json")),
            openrouter.normalize(load("openrouter.json")),
            huggingface.normalize(load("huggingface.json")),
            artificialanalysis.normalize(load("artificialanalysis.json")),
        ]
    )


def test_identity_methods() -> None:
    links = _catalog().external_ids
    gpt5 = links["openrouter", "openai/gpt-5"]
    assert (gpt5.model_id, gpt5.method) == ("openai/gpt-5", "exact")
    # `.` vs `-`: OpenRouter claude-opus-4.1 is Anthropic's claude-opus-4-1
    opus = links["openrouter", "anthropic/claude-opus-4.1"]
    assert (opus.model_id, opus.method) == ("anthropic/claude-opus-4-1", "normalized")
    # Qwen/QwQ-32B on Hugging Face = the repo id deepinfra serves (creator alias qwen -> alibaba)
    qwq = links["huggingface", "Qwen/QwQ-32B"]
    assert (qwq.model_id, qwq.method) == ("alibaba/qwq-32b", "hf-id")
    assert links["models.dev", "deepinfra/openai/gpt-oss-120b"].model_id == "openai/gpt-oss-120b"
    free = links["openrouter", "openai/gpt-oss-120b:free"]
    assert free.model_id == "openai/gpt-oss-120b"


def test_hugging_face_only_repo_becomes_an_open_weights_model() -> None:
    catalog = _catalog()
    bge = catalog.models["baai/bge-m3"]
    assert bge["open_weights"] is True and bge["downloads"] == 5828179
    assert bge["sources"] == ["huggingface"]
    assert not [o for o in catalog.offerings.values() if o["model_id"] == "baai/bge-m3"]


def test_openrouter_api_wins_and_disagreement_is_kept() -> None:
    offer = _catalog().offerings["openrouter", "openai/gpt-5"]
    assert offer["source"] == "openrouter" and offer["input_price"] == Decimal("1.25")
    disagreement = offer["provenance"]["models.dev"]["disagreements"]["input_price"]
    assert disagreement == {"openrouter": "1.25", "models.dev": "1.5"}


def test_unknown_stays_null_and_free_is_zero() -> None:
    catalog = _catalog()
    assert catalog.offerings["openai", "gpt-oss-120b"]["input_price"] is None
    free = catalog.offerings["openrouter", "openai/gpt-oss-120b:free"]
    assert free["input_price"] == 0 and free["is_free"] is True
    auto = catalog.offerings["openrouter", "openrouter/auto"]
    assert auto["price_variable"] is True and auto["input_price"] is None
    assert free["listing_kind"] == "free_variant" and auto["listing_kind"] == "paid"
    assert catalog.offerings["openai", "gpt-oss-120b"]["listing_kind"] == "price_unknown"
    # the cheapest prices are not the merge's: sync.cheapest derives them after the write
    assert "cheapest_input_price" not in catalog.models["openai/gpt-oss-120b"]


def test_effort_variants_attach_to_the_base_model_as_tagged_scores() -> None:
    catalog = _catalog()
    scores = {k: v["value"] for k, v in catalog.scores.items() if k[0] == "openai/gpt-oss-120b"}
    base = ("openai/gpt-oss-120b", "artificialanalysis", "intelligence_index")
    assert scores[(*base, "")] == Decimal("23.8")
    assert scores[(*base, "low")] == Decimal("18.1")
    assert catalog.models["openai/gpt-oss-120b"]["intelligence_index"] == Decimal("23.8")
    # word order differs (claude-4-1-opus vs claude-opus-4-1): the word-order-free slug
    opus = catalog.external_ids["artificialanalysis", "5a0c1e1e-7c55-4d0e-a2c1-3b7c8e9f0d22"]
    assert (opus.model_id, opus.method) == ("anthropic/claude-opus-4-1", "normalized")
    key = ("anthropic/claude-opus-4-1", "artificialanalysis", "intelligence_index")
    assert catalog.scores[(*key, "non-reasoning")]["value"] == Decimal("30.2")


def test_unmatched_artificial_analysis_rows_are_counted() -> None:
    catalog = _catalog()
    assert catalog.unmatched["artificialanalysis"] == 1
    assert (
        catalog.record_models["artificialanalysis", "9d8e7f6a-1111-4222-8333-444455556666"] is None
    )
