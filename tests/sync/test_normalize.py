"""The four normalizers on good and malformed records; units, nulls vs zeros."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from sync.fetch import SourceFailure
from sync.identity import canonical_creator, name_key, slug_key, split_variant
from sync.sources import artificialanalysis, huggingface, models_dev, openrouter
from tests.sync.support import FIXTURES


def _load(name: str) -> object:
    return json.loads((FIXTURES / name).read_text())


@pytest.mark.parametrize(
    ("per_token", "per_million"),
    [("0.000003", "3"), ("0.00000125", "1.25"), ("0.0000000001", "0.0001"), ("0", "0")],
)
def test_openrouter_per_token_strings_become_exact_per_million(
    per_token: str, per_million: str
) -> None:
    value, variable = openrouter.per_million(per_token, "prompt")
    assert value == Decimal(per_million) and str(value) == per_million
    assert variable is False


def test_openrouter_minus_one_is_variable_and_null() -> None:
    assert openrouter.per_million("-1", "prompt") == (None, True)
    items = {i.external_id: i for i in openrouter.normalize(_load("openrouter.json")).items}
    auto = items["openrouter/auto"].offering
    assert auto is not None
    assert auto.prices.variable and auto.prices.input_price is None and not auto.prices.is_free


def test_openrouter_fields() -> None:
    result = openrouter.normalize(_load("openrouter.json"))
    assert result.invalid == 0 and len(result.items) == 4
    items = {i.external_id: i for i in result.items}
    gpt5 = items["openai/gpt-5"]
    assert gpt5.model.huggingface_id is None  # "" means none
    assert gpt5.offering is not None and gpt5.offering.prices.cache_read_price == Decimal("0.125")
    assert gpt5.model.supports_structured_output and gpt5.model.supports_tools
    free = items["openai/gpt-oss-120b:free"]
    assert free.slug == "gpt-oss-120b" and free.offering is not None
    assert free.offering.prices.is_free and free.offering.prices.input_price == 0
    assert items["anthropic/claude-opus-4.1"].creator_hint == "anthropic"


def test_openrouter_bad_records_are_counted_not_fatal() -> None:
    good_price = {"prompt": "0.000001", "completion": "0"}
    doc = {
        "data": [
            {"id": "a/b", "name": "B", "pricing": {"prompt": "abc", "completion": "0"}},
            {"name": "no id"},
            "not an object",
            {"id": "c/d", "name": "D", "pricing": good_price},
        ]
    }
    result = openrouter.normalize(doc)
    assert [i.external_id for i in result.items] == ["c/d"]
    assert result.invalid == 3
    assert any("pricing.prompt is not a number" in e for e in result.invalid_examples)
    with pytest.raises(SourceFailure, match="data"):
        openrouter.normalize({"models": []})


def test_models_dev_fields_tiers_and_unknowns() -> None:
    result = models_dev.normalize(_load("models_dev.json"))
    assert result.invalid == 0
    assert {p.id for p in result.providers} == {"openai", "anthropic", "deepinfra", "openrouter"}
    kinds = {p.id: p.kind for p in result.providers}
    assert kinds["openai"] == "lab" and kinds["openrouter"] == "router"
    items = {i.external_id: i for i in result.items}
    opus = items["anthropic/claude-opus-4-1"]
    assert opus.first_party and opus.offering is not None
    assert opus.offering.prices.tiers == (
        {"above_tokens": 200000, "input_price": "30", "output_price": "112.5"},
    )
    oss = items["openai/gpt-oss-120b"]
    assert oss.offering is not None and oss.offering.prices.input_price is None  # no cost = unknown
    assert not oss.offering.prices.is_free
    assert oss.model.last_updated is not None and oss.model.last_updated.day == 1  # YYYY-MM
    qwq = items["deepinfra/Qwen/QwQ-32B"]
    assert qwq.model.context_window is None  # context 0 = unknown
    assert qwq.creator_hint == "alibaba"


def test_models_dev_bad_model_is_counted() -> None:
    doc = {
        "x": {
            "name": "X",
            "models": {
                "m": {"id": "m"},
                "n": {"id": "n", "name": "N", "limit": {"context": -5}},
                "ok": {"id": "ok", "name": "OK"},
            },
        }
    }
    result = models_dev.normalize(doc)
    assert [i.external_id for i in result.items] == ["x/ok"]
    assert result.invalid == 2


def test_huggingface_rows() -> None:
    result = huggingface.normalize(_load("huggingface.json"))
    items = {i.external_id: i for i in result.items}
    qwq = items["Qwen/QwQ-32B"]
    assert qwq.model.downloads == 210000 and qwq.model.likes == 2900
    assert qwq.model.license == "apache-2.0" and qwq.model.open_weights
    assert qwq.extra["pipeline_tag"] == "text-generation"
    bad = huggingface.normalize([{"id": "noslash"}, {"id": "a/b", "downloads": -1}, {}])
    assert bad.items == [] and bad.invalid == 3


def test_huggingface_next_link() -> None:
    header = '<https://huggingface.co/api/models?limit=100&cursor=abc>; rel="next"'
    assert huggingface.next_link(header) == "https://huggingface.co/api/models?limit=100&cursor=abc"
    assert huggingface.next_link(None) is None
    assert huggingface.next_link('<https://x/prev>; rel="prev"') is None


def test_artificial_analysis_zero_means_not_measured() -> None:
    result = artificialanalysis.normalize(_load("artificialanalysis.json"))
    items = {i.external_id: i for i in result.items}
    high = {s.metric: s for s in items["f0083258-8646-45b8-8082-7aaf6c2ea82a"].scores}
    assert high["intelligence_index"].value == Decimal("23.8")
    assert high["median_output_tokens_per_second"].value == Decimal("193.41")
    assert "math_index" not in high  # null evaluation: no score
    low = items["0b4ab3fb-5b2e-4f0c-9c0c-1d2f1e7a4a11"]
    assert low.variant == "low" and low.slug == "gpt-oss-120b"
    metrics = {s.metric for s in low.scores}
    assert "price_1m_input_tokens" not in metrics  # 0 = unknown, never free
    assert "median_output_tokens_per_second" not in metrics  # 0 = not measured


def test_artificial_analysis_bad_rows() -> None:
    doc = {
        "data": [
            {"id": "u1", "name": "X"},
            {"id": "u2", "name": "Y", "slug": "y", "evaluations": {"gpqa": "high"}},
        ]
    }
    result = artificialanalysis.normalize(doc)
    assert result.items == [] and result.invalid == 2


def test_identity_helpers() -> None:
    assert canonical_creator("x-ai") == "xai" and canonical_creator("Qwen") == "alibaba"
    assert canonical_creator("meta-llama") == "meta" and canonical_creator("mistralai") == "mistral"
    assert slug_key("claude-opus-4.1") == slug_key("Claude-Opus-4-1") == "claude-opus-4-1"
    assert name_key("Claude 4.5 Haiku (Reasoning)") == name_key("Anthropic: Claude Haiku 4.5")
    assert split_variant("gpt-5-5-xhigh") == ("gpt-5-5", "xhigh")
    assert split_variant("claude-4-5-haiku-non-reasoning") == ("claude-4-5-haiku", "non-reasoning")
    assert split_variant("gpt-oss-120b") == ("gpt-oss-120b", "")


@pytest.mark.parametrize(
    ("prompt", "valid"),
    [
        ("0.1", True),  # 100,000 USD per 1M: the ceiling itself is still a price
        ("0.1000001", False),
        ("12345", False),  # a per-1M number in the per-token field: 12 billion per 1M
    ],
)
def test_openrouter_implausible_prices_are_refused(prompt: str, valid: bool) -> None:
    doc = {"data": [{"id": "a/b", "name": "B", "pricing": {"prompt": prompt, "completion": "0"}}]}
    result = openrouter.normalize(doc)
    assert len(result.items) == (1 if valid else 0)
    if not valid:
        assert any("implausibly high" in e for e in result.invalid_examples)


def test_openrouter_per_request_price_over_the_ceiling_is_refused() -> None:
    pricing = {"prompt": "0", "completion": "0", "request": "250000"}
    result = openrouter.normalize({"data": [{"id": "a/b", "name": "B", "pricing": pricing}]})
    assert (
        result.items == [] and "pricing.request is implausibly high" in result.invalid_examples[0]
    )


@pytest.mark.parametrize(("value", "valid"), [(600, True), (100_000, True), (100_001, False)])
def test_models_dev_price_ceiling(value: int, valid: bool) -> None:
    model = {"id": "m", "name": "M", "cost": {"input": value, "output": 1}}
    result = models_dev.normalize({"x": {"name": "X", "models": {"m": model}}})
    assert [i.external_id for i in result.items] == (["x/m"] if valid else [])
