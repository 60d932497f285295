"""Artificial Analysis linking rules (sync.aa_match), each on small hand-written records."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sync.identity import (
    compact_creator,
    loose_key,
    name_key,
    split_date,
    strip_variants,
    variant_name_key,
)
from sync.merge import Catalog, merge
from sync.records import ModelFacts, Normalized, OfferingFacts, Prices, ScoreFacts, SourceItem
from sync.sources import artificialanalysis

AA = "artificialanalysis"


def _catalog_item(mid: str, name: str, price: str = "1") -> SourceItem:
    """A models.dev entry by the lab itself: defines the canonical model `mid`."""
    creator, slug = mid.split("/", 1)
    return SourceItem(
        source="models.dev",
        external_id=mid,
        creator_hint=creator,
        slug=slug,
        model=ModelFacts(name=name),
        offering=OfferingFacts(creator, slug, name, Prices(input_price=Decimal(price))),
        first_party=True,
    )


def _aa_row(uuid: str, slug: str, name: str, creator: str, index: float = 50) -> dict[str, Any]:
    return {
        "id": uuid,
        "slug": slug,
        "name": name,
        "model_creator": {"slug": creator, "name": creator},
        "evaluations": {"artificial_analysis_intelligence_index": index},
    }


def _merge(models: list[tuple[str, str]], rows: list[dict[str, Any]]) -> Catalog:
    md = Normalized("models.dev", items=[_catalog_item(mid, name) for mid, name in models])
    return merge([md, artificialanalysis.normalize({"data": rows})])


def _link(catalog: Catalog, uuid: str) -> tuple[str, str, str] | None:
    link = catalog.external_ids.get((AA, uuid))
    return (link.model_id, link.method, link.variant) if link else None


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("claude-sonnet-4-6-non-reasoning-low-effort", ("claude-sonnet-4-6", "non-reasoning-low-effort")),  # noqa: E501 - one table row
        ("nova-2-0-lite-reasoning-low", ("nova-2-0-lite", "reasoning-low")),
        ("claude-4-1-opus-thinking", ("claude-4-1-opus", "thinking")),
        ("gpt-5-5-xhigh", ("gpt-5-5", "xhigh")),
        ("gpt-oss-120b", ("gpt-oss-120b", "")),
        ("max", ("max", "")),
    ],
)  # fmt: skip
def test_stacked_variant_words_are_stripped(slug: str, expected: tuple[str, str]) -> None:
    assert strip_variants(slug) == expected


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("deepseek-v4-flash-0420", ("deepseek-v4-flash", "0420")),
        ("claude-opus-4-1-20250805", ("claude-opus-4-1", "20250805")),
        ("gemini-2-5-pro-05-06", ("gemini-2-5-pro", "05-06")),
        ("command-r-03-2024", ("command-r", "03-2024")),
        ("gemini-1-5-pro-may-2024", ("gemini-1-5-pro", "may-2024")),
        ("mistral-small-2402", ("mistral-small-2402", "")),  # YYMM version, month 24
        ("qwen3-4b-2507", ("qwen3-4b-2507", "")),
        ("0420", ("0420", "")),
    ],
)
def test_trailing_snapshot_dates(slug: str, expected: tuple[str, str]) -> None:
    assert split_date(slug) == expected


def test_word_order_free_keys_keep_versions_whole() -> None:
    assert loose_key("claude-4-5-haiku") == loose_key("claude-haiku-4.5")
    assert loose_key("llama-3-1-instruct-70b") == loose_key("llama-3.1-70b-instruct")
    assert loose_key("gemma-3-12b") == loose_key("gemma-3-12b-it")
    assert loose_key("nova-2-0-lite") == loose_key("nova-2-lite")
    assert loose_key("gpt-4-5") != loose_key("gpt-5.4")  # reordering never swaps versions
    assert name_key("GPT-4.5") != name_key("OpenAI: GPT-5.4")
    assert variant_name_key("Claude 4.5 Haiku (Non-reasoning)") == name_key("Claude Haiku 4.5")
    assert variant_name_key("GPT-5 (ChatGPT)") != variant_name_key("GPT-5")


def test_creator_spellings_agree() -> None:
    for aa, other in (("zai", "z-ai"), ("kimi", "moonshotai"), ("aws", "amazon"),
                      ("nous-research", "nousresearch"), ("ai2", "allenai"),
                      ("reka-ai", "rekaai"), ("kwaikat", "kwaipilot")):  # fmt: skip
        assert compact_creator(aa) == compact_creator(other), aa


def test_reordered_slug_links_within_the_creator_before_a_hosts_copy() -> None:
    catalog = _merge(
        [("anthropic/claude-haiku-4-5", "Claude Haiku 4.5"), ("helicone/claude-4.5-haiku", "x")],
        [_aa_row("u1", "claude-4-5-haiku-reasoning", "Claude 4.5 Haiku (Reasoning)", "anthropic")],
    )
    assert _link(catalog, "u1") == ("anthropic/claude-haiku-4-5", "normalized", "reasoning")


def test_aa_creator_slug_is_aliased() -> None:
    catalog = _merge(
        [("moonshotai/kimi-k2-5", "Kimi K2.5"), ("zai/glm-5", "GLM-5")],
        [_aa_row("k", "kimi-k2-5", "Kimi K2.5", "kimi"), _aa_row("z", "glm-5", "GLM-5", "zai")],
    )
    assert _link(catalog, "k") == ("moonshotai/kimi-k2-5", "normalized", "")
    assert _link(catalog, "z") == ("zai/glm-5", "normalized", "")


def test_effort_variants_become_tagged_scores_of_one_model() -> None:
    rows = [
        _aa_row("hi", "gpt-9", "GPT-9 (high)", "openai", 70),
        _aa_row("lo", "gpt-9-low", "GPT-9 (low)", "openai", 60),
        _aa_row("nr", "gpt-9-non-reasoning", "GPT-9 (Non-reasoning)", "openai", 40),
    ]
    catalog = _merge([("openai/gpt-9", "GPT-9")], rows)
    variants = {k[3]: v["value"] for k, v in catalog.scores.items() if k[2] == "intelligence_index"}
    assert variants == {"": 70, "low": 60, "non-reasoning": 40}
    assert catalog.models["openai/gpt-9"]["intelligence_index"] == 70


def test_instruct_word_is_packaging_but_reasoning_goes_to_the_thinking_model() -> None:
    models = [
        ("alibaba/qwen3-32b", "Qwen3 32B"),
        ("alibaba/qwen3-next-80b-a3b-instruct", "Qwen3 Next Instruct"),
        ("alibaba/qwen3-next-80b-a3b-thinking", "Qwen3 Next Thinking"),
    ]
    rows = [
        _aa_row("a", "qwen3-32b-instruct", "Qwen3 32B (Non-reasoning)", "alibaba"),
        _aa_row("b", "qwen3-32b-instruct-reasoning", "Qwen3 32B (Reasoning)", "alibaba"),
        _aa_row("c", "qwen3-next-80b-a3b-reasoning", "Qwen3 Next (Reasoning)", "alibaba"),
    ]
    catalog = _merge(models, rows)
    assert _link(catalog, "a") == ("alibaba/qwen3-32b", "normalized", "")
    assert _link(catalog, "b") == ("alibaba/qwen3-32b", "normalized", "reasoning")
    assert _link(catalog, "c") == ("alibaba/qwen3-next-80b-a3b-thinking", "normalized", "reasoning")


def test_ambiguous_keys_never_link() -> None:
    # A provider lists both ids separately (different prices): no guessing between them.
    md = Normalized(
        "models.dev",
        items=[
            _catalog_item("meta/llama-3.3-70b", "Llama 3.3 70B", "0.5"),
            _catalog_item("meta/llama-3.3-70b-instruct", "Llama 3.3 70B", "0.9"),
        ],
    )
    aa = artificialanalysis.normalize(
        {"data": [_aa_row("l", "llama-3-3-instruct-70b", "Llama 3.3 Instruct 70B", "meta")]}
    )
    catalog = merge([md, aa])
    assert _link(catalog, "l") is None and catalog.unmatched[AA] == 1


def test_snapshot_date_is_dropped_only_when_unambiguous() -> None:
    models = [
        ("deepseek/deepseek-v4-flash", "DeepSeek V4 Flash"),
        ("deepseek/deepseek-r1", "DeepSeek R1"),
        ("deepseek/deepseek-r1-0528", "DeepSeek R1 0528"),
        ("openai/gpt-7-instant", "GPT-7 Instant"),
    ]
    rows = [
        _aa_row("d", "deepseek-v4-flash-0420-high", "DeepSeek V4 Flash (High)", "deepseek"),
        # the catalog has another dated snapshot: the undated id may be either one
        _aa_row("m", "deepseek-r1-0120", "DeepSeek R1 (Jan)", "deepseek"),
        # AA lists two snapshots of the same undated id
        _aa_row("g1", "gpt-7-instant-05-26", "GPT-7 Instant (May)", "openai"),
        _aa_row("g2", "gpt-7-instant-06-26", "GPT-7 Instant (June)", "openai"),
    ]
    catalog = _merge(models, rows)
    assert _link(catalog, "d") == ("deepseek/deepseek-v4-flash", "normalized", "high")
    assert _link(catalog, "m") is None
    assert _link(catalog, "g1") is None and _link(catalog, "g2") is None


def test_undated_aa_row_keeps_its_model_from_a_dated_sibling() -> None:
    rows = [
        _aa_row("new", "grok-9", "Grok 9", "xai"),
        _aa_row("old", "grok-9-0309", "Grok 9 0309", "xai"),
    ]
    catalog = _merge([("xai/grok-9", "Grok 9")], rows)
    assert _link(catalog, "new") == ("xai/grok-9", "normalized", "")
    assert _link(catalog, "old") is None


def test_two_rows_never_share_a_model_and_variant() -> None:
    # Both rows' names reduce to "Hy3"; the stronger link keeps the model, the other is
    # another model (a preview) and stays unmatched instead of overwriting scores.
    rows = [
        _aa_row("p", "hy3-preview", "Hy3 Preview", "tencent"),
        _aa_row("f", "hy3", "Hy3 Preview", "tencent"),
    ]
    catalog = _merge([("tencent/hy3-preview", "Hy3 Preview")], rows)
    assert _link(catalog, "p") == ("tencent/hy3-preview", "normalized", "")
    assert _link(catalog, "f") is None


def test_names_keep_parenthesised_model_names() -> None:
    rows = [_aa_row("c", "gpt-9-chatgpt", "GPT-9 (ChatGPT)", "openai")]
    catalog = _merge([("openai/gpt-9", "GPT-9")], rows)
    assert _link(catalog, "c") is None


def test_override_links_by_uuid_and_keeps_the_variant() -> None:
    # sync/data/overrides.json: the AA row `hermes-4-llama-3-1-70b-reasoning`
    row = _aa_row(
        "6ba9e8eb-8124-436d-842f-dbe36df80c27",
        "hermes-4-llama-3-1-70b-reasoning",
        "Hermes 4 - Llama-3.1 70B (Reasoning)",
        "nous-research",
    )
    catalog = _merge([("nousresearch/hermes-4-70b", "Hermes 4 70B")], [row])
    assert _link(catalog, row["id"]) == ("nousresearch/hermes-4-70b", "override", "reasoning")
    # the overridden model is absent: nothing is forced
    assert _link(_merge([("openai/gpt-9", "GPT-9")], [row]), row["id"]) is None


def test_scores_are_recorded_under_the_links_variant() -> None:
    rows = [_aa_row("x", "claude-4-5-haiku-thinking", "Claude 4.5 Haiku (Reasoning)", "anthropic")]
    catalog = _merge([("anthropic/claude-haiku-4-5", "Claude Haiku 4.5")], rows)
    key = ("anthropic/claude-haiku-4-5", AA, "intelligence_index", "thinking")
    assert catalog.scores[key]["value"] == 50


def test_score_facts_unchanged_by_matching() -> None:
    item = artificialanalysis.normalize({"data": [_aa_row("x", "a-b", "A B", "c", 12.5)]}).items[0]
    assert item.scores == (ScoreFacts("intelligence_index", Decimal("12.5"), "index"),)
