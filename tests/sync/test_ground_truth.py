"""Merge precision and recall against hand-checked pairs (tests/sync/ground_truth.json).

The real payloads in ../shared/upstream are normalized and merged in memory (the merge is
pure), then every labelled pair is checked: `same` pairs must share a canonical model,
`same: false` pairs must not. Skipped when ../shared is absent.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from sync.merge import Catalog, merge
from sync.records import Normalized
from sync.sources import artificialanalysis, huggingface, models_dev, openrouter
from tests.sync.support import SHARED

GROUND_TRUTH = Path(__file__).with_name("ground_truth.json")
HF_PAGES = ("SAMPLE-not-real.json", "SAMPLE-not-real.page2.json")

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} is absent"),
]


@dataclass(frozen=True)
class Pair:
    a: tuple[str, str]
    b: tuple[str, str]
    same: bool
    why: str


def _key(text: str) -> tuple[str, str]:
    source, _, external_id = text.partition("|")
    return source, external_id


def load_pairs() -> list[Pair]:
    pairs: list[dict[str, Any]] = json.loads(GROUND_TRUTH.read_text())["pairs"]
    return [Pair(_key(p["a"]), _key(p["b"]), bool(p["same"]), str(p["why"])) for p in pairs]


def _json(*parts: str) -> Any:
    return json.loads(SHARED.joinpath(*parts).read_text())


def shared_sources() -> list[Normalized]:
    hf_rows = [row for page in HF_PAGES for row in _json("huggingface", page)]
    return [
        models_dev.normalize(_json("models.dev", "api.json")),
        openrouter.normalize(_json("openrouter", "models.json")),
        huggingface.normalize(hf_rows),
        artificialanalysis.normalize(_json("artificialanalysis", "models.json")),
    ]


@cache
def shared_catalog() -> Catalog:
    return merge(shared_sources())


@dataclass(frozen=True)
class Score:
    true_merges: int
    false_merges: int
    missed_merges: int
    wrong: list[str]

    @property
    def precision(self) -> float:
        linked = self.true_merges + self.false_merges
        return self.true_merges / linked if linked else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_merges + self.missed_merges
        return self.true_merges / wanted if wanted else 1.0


def score(catalog: Catalog, pairs: list[Pair]) -> Score:
    true_merges = false_merges = missed = 0
    wrong: list[str] = []
    for pair in pairs:
        a, b = catalog.record_models.get(pair.a), catalog.record_models.get(pair.b)
        merged = a is not None and a == b
        if merged and pair.same:
            true_merges += 1
        elif merged:
            false_merges += 1
            wrong.append(f"false merge on {a}: {pair.a} + {pair.b} ({pair.why})")
        elif pair.same:
            missed += 1
            wrong.append(f"missed: {pair.a} -> {a}, {pair.b} -> {b} ({pair.why})")
    return Score(true_merges, false_merges, missed, wrong)


def test_ground_truth_file_is_well_formed() -> None:
    pairs = load_pairs()
    assert len(pairs) >= 150
    assert all(p.why and p.a != p.b for p in pairs)
    assert len({frozenset((p.a, p.b)) for p in pairs}) == len(pairs), "a pair is listed twice"
    assert sum(p.same for p in pairs) >= 75 and sum(not p.same for p in pairs) >= 30
    catalog = shared_catalog()
    unknown = [k for p in pairs for k in (p.a, p.b) if k not in catalog.record_models]
    assert unknown == [], "every labelled record exists in the shared payloads"


def test_merge_precision_and_recall() -> None:
    result = score(shared_catalog(), load_pairs())
    print(
        f"ground truth: precision {result.precision:.2%} recall {result.recall:.2%} "
        f"(true {result.true_merges}, false {result.false_merges}, "
        f"missed {result.missed_merges})"
    )
    print("\n".join(result.wrong))
    assert result.precision >= 0.995, result.wrong
    assert result.recall >= 0.95, result.wrong


def test_moving_aliases_point_at_the_model_they_name() -> None:
    catalog = shared_catalog()
    table: dict[str, str | None] = json.loads(GROUND_TRUTH.read_text())["aliases"]
    for alias, target in table.items():
        if alias.startswith("_"):
            continue
        alias_model = catalog.record_models[_key(alias)]
        assert alias_model is not None and alias_model in catalog.aliases, alias
        wanted = catalog.record_models[_key(target)] if target else None
        assert catalog.aliases[alias_model] == wanted, alias
        assert catalog.models[alias_model]["alias_of"] == wanted
        assert wanted is None or catalog.models[wanted]["alias_of"] is None


def test_identity_does_not_depend_on_source_or_record_order() -> None:
    sources = shared_sources()
    for normalized in sources:
        random.Random(16).shuffle(normalized.items)
    shuffled = merge(list(reversed(sources)))
    catalog = shared_catalog()
    assert shuffled.record_models == catalog.record_models
    assert shuffled.aliases == catalog.aliases
