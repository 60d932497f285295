"""Property tests for the pure sync code (DESIGN §8.9): normalizers, units, ids, merge.

Bounded (a modest max_examples, no deadline) so the suite stays fast.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sync import parse
from sync.fetch import SourceFailure
from sync.identity import canonical_creator, compact_creator, slug_key, strip_variants
from sync.merge import Catalog, merge
from sync.records import InvalidRecord, Normalized
from sync.sources import artificialanalysis, huggingface, models_dev, openrouter
from tests.sync.support import FIXTURES

BOUNDED = settings(max_examples=60, deadline=None)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["-1", "0", "1e999", "0.000003", "2024-13-45", "", " ", "NaN"])
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def _first_record(source: str) -> tuple[Any, dict[str, Any]]:
    """(document, a mutable record inside it) for one fixture payload."""
    document = copy.deepcopy(_fixture(f"{source}.json"))
    if source == "models_dev":
        return document, next(iter(document["openai"]["models"].values()))
    if source == "huggingface":
        return document, document[0]
    return document, document["data"][0]


NORMALIZERS = {
    "models_dev": models_dev.normalize,
    "openrouter": openrouter.normalize,
    "huggingface": huggingface.normalize,
    "artificialanalysis": artificialanalysis.normalize,
}


def _normalize_or_refuse(source: str, document: Any) -> Normalized | None:
    """A wrong top-level shape fails the source (SourceFailure); nothing else may raise."""
    try:
        return NORMALIZERS[source](document)
    except SourceFailure:
        return None


@BOUNDED
@given(source=st.sampled_from(sorted(NORMALIZERS)), document=json_values)
def test_normalizers_never_raise_on_arbitrary_documents(source: str, document: Any) -> None:
    _normalize_or_refuse(source, document)


@BOUNDED
@given(source=st.sampled_from(sorted(NORMALIZERS)), rows=st.lists(json_values, max_size=5))
def test_bad_records_are_counted_and_skipped(source: str, rows: list[Any]) -> None:
    document: Any = rows if source == "huggingface" else {"data": rows}
    if source == "models_dev":
        document = {"p": {"name": "P", "models": {str(i): r for i, r in enumerate(rows)}}}
    result = _normalize_or_refuse(source, document)
    assert result is not None
    records = len(rows) + (1 if source == "models_dev" else 0)  # + the provider record
    assert len(result.items) + len(result.providers) + result.invalid == records
    assert len(result.invalid_examples) <= Normalized.MAX_EXAMPLES


@BOUNDED
@given(
    source=st.sampled_from(sorted(NORMALIZERS)),
    path=st.lists(st.text(max_size=20), min_size=1, max_size=2),
    value=json_values,
)
def test_a_damaged_field_in_a_good_record_never_raises(
    source: str, path: list[str], value: Any
) -> None:
    document, record = _first_record(source)
    keys = list(record)
    # damage an existing field (or a nested one) most of the time, else add a new key
    target: Any = record
    for step in path[:-1]:
        nested = target.get(keys[hash(step) % len(keys)]) if isinstance(target, dict) else None
        target = nested if isinstance(nested, dict) else target
    if isinstance(target, dict) and target:
        target[list(target)[hash(path[-1]) % len(target)]] = value
    result = _normalize_or_refuse(source, document)
    assert result is not None and len(result.items) + result.invalid >= 1


@BOUNDED
@given(
    amount=st.decimals(
        # up to the ceiling: parse.MAX_PRICE per 1M tokens is 0.1 per token
        min_value=0,
        max_value=Decimal("0.1"),
        allow_nan=False,
        allow_infinity=False,
        places=12,
    )
)
def test_per_token_to_per_million_is_exact(amount: Decimal) -> None:
    text = format(amount, "f")
    converted, variable = openrouter.per_million(text, "prompt")
    assert variable is False and converted is not None
    assert converted == Decimal(text) * 1_000_000  # exact: no float anywhere
    assert converted == parse.normalize_decimal(converted)  # already canonical


@BOUNDED
@given(text=st.from_regex(r"-?[0-9]{1,30}(\.[0-9]{1,30})?([eE][+-]?[0-9]{1,3})?", fullmatch=True))
def test_any_decimal_string_converts_exactly_or_is_rejected(text: str) -> None:
    try:
        converted, _ = openrouter.per_million(text, "prompt")
    except InvalidRecord:  # refused as a bad record: negative, absurd magnitude, over the ceiling
        value = Decimal(text)
        out_of_range = not -60 <= value.adjusted() <= 40
        assert value < 0 or out_of_range or value.scaleb(6, parse.EXACT) > parse.MAX_PRICE
        return
    if Decimal(text) == -1:
        assert converted is None
    else:
        assert converted == Decimal(text).scaleb(6, parse.EXACT)


@BOUNDED
@given(raw=st.text(max_size=30))
def test_id_normalisation_is_idempotent(raw: str) -> None:
    assert slug_key(slug_key(raw)) == slug_key(raw)
    assert canonical_creator(canonical_creator(raw)) == canonical_creator(raw)
    assert compact_creator(compact_creator(raw)) == compact_creator(raw)
    base, _ = strip_variants(raw)
    assert strip_variants(base) == (base, "")


def _sources() -> list[Normalized]:
    extra_aa = [  # two rows competing for one model, so the order could matter
        {"id": "x1", "slug": "gpt-5-low", "name": "GPT-5 (low)",
         "model_creator": {"slug": "openai"}, "evaluations": {"gpqa": 0.5}},
        {"id": "x2", "slug": "gpt-5-0807-low", "name": "GPT-5 (low)",
         "model_creator": {"slug": "openai"}, "evaluations": {"gpqa": 0.6}},
    ]  # fmt: skip
    aa = _fixture("artificialanalysis.json")
    aa["data"] += extra_aa
    return [
        models_dev.normalize(_fixture("models_dev.json")),
        openrouter.normalize(_fixture("openrouter.json")),
        huggingface.normalize(_fixture("huggingface.json")),
        artificialanalysis.normalize(aa),
    ]


def _snapshot(catalog: Catalog) -> Any:
    return (
        catalog.models,
        catalog.offerings,
        {k: (v.model_id, v.method, v.variant) for k, v in catalog.external_ids.items()},
        catalog.scores,
        catalog.record_models,
        catalog.providers,
        catalog.unmatched,
    )


REFERENCE = _snapshot(merge(_sources()))


@BOUNDED
@given(data=st.data())
def test_merge_does_not_depend_on_record_or_source_order(data: st.DataObject) -> None:
    sources = _sources()
    for normalized in sources:
        normalized.items = data.draw(st.permutations(normalized.items))
        normalized.providers = data.draw(st.permutations(normalized.providers))
    assert _snapshot(merge(data.draw(st.permutations(sources)))) == REFERENCE


entry_ids = st.from_regex(r"[a-c]{1,2}(/[a-c]{1,2})?([.-][1-2])?(:free)?", fullmatch=True)


@BOUNDED
@given(
    entries=st.dictionaries(
        st.sampled_from(["openai", "deepinfra", "openrouter", "azure"]),
        st.dictionaries(entry_ids, st.integers(min_value=0, max_value=3), max_size=6),
        max_size=4,
    )
)
def test_every_offering_belongs_to_exactly_one_catalog_model(
    entries: dict[str, dict[str, int]],
) -> None:
    document = {
        provider: {
            "name": provider,
            "models": {
                mid: {"name": mid, "cost": {"input": price}} for mid, price in models.items()
            },
        }
        for provider, models in entries.items()
    }
    catalog = merge([models_dev.normalize(document)])
    listed = {(p, m) for p, models in entries.items() for m in models}
    assert set(catalog.offerings) == listed  # one row per offering key, none invented
    for (provider, model), row in catalog.offerings.items():
        assert row["model_id"] in catalog.models
        assert catalog.record_models["models.dev", f"{provider}/{model}"] == row["model_id"]
