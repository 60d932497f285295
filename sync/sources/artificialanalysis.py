"""Artificial Analysis `GET /api/v2/data/llms/models` (needs `x-api-key`).

Evaluations, prices and speed medians become scores. AA writes 0 for "not measured", so 0
is dropped (NULL), never stored as free or instant. Effort variants (`-low`, `-xhigh`,
`-non-reasoning`…) are separate rows upstream; they carry their variant for the merge.
Attribution to https://artificialanalysis.ai/ is required by AA's terms.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from server.core.vocabulary import Source
from sync import parse
from sync.fetch import Fetcher, SourceFailure, SourceSkipped
from sync.identity import canonical_creator, split_variant
from sync.records import (
    ModelFacts,
    Normalized,
    RawRecord,
    ScoreFacts,
    SourceItem,
)
from sync.sources.common import id_keyed_records, normalize_each

SOURCE = Source.ARTIFICIAL_ANALYSIS.value  # plain str: orjson takes str keys only
ATTRIBUTION = "Benchmark data from Artificial Analysis, https://artificialanalysis.ai/"
_INDEXES = ("intelligence_index", "coding_index", "math_index")
_SPEED = {
    "median_output_tokens_per_second": "tokens/s",
    "median_time_to_first_token_seconds": "s",
    "median_time_to_first_answer_token": "s",
}


async def fetch(fetcher: Fetcher, url: str, api_key: str | None) -> Any:
    if url.startswith("file://"):
        return (await fetcher.get_json(url)).body  # a saved payload needs no key
    if not api_key:
        raise SourceSkipped("ARTIFICIAL_ANALYSIS_API_KEY is not set")
    return (await fetcher.get_json(url, headers={"x-api-key": api_key})).body


def records(document: Any) -> list[RawRecord]:
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise SourceFailure("artificialanalysis: expected an object with a `data` list")
    return id_keyed_records(SOURCE, document["data"])


def normalize(document: Any) -> Normalized:
    return normalize_records(records(document))


def normalize_records(raw: list[RawRecord]) -> Normalized:
    return normalize_each(SOURCE, raw, _item)


def measured(value: Any, what: str) -> Decimal | None:
    """A number where 0 means "not measured": 0 and null -> None."""
    number = parse.decimal_number(value, what)
    return None if number is None or number == 0 else parse.normalize_decimal(number)


def _scores(raw: dict[str, Any]) -> tuple[ScoreFacts, ...]:
    scores: list[ScoreFacts] = []
    evaluations = parse.sub(raw, "evaluations")
    for key, value in sorted(evaluations.items()):
        number = parse.decimal_number(value, f"evaluations.{key}")
        if number is None:
            continue
        metric = key.removeprefix("artificial_analysis_")
        unit = "index" if metric in _INDEXES else "fraction"
        scores.append(ScoreFacts(metric, parse.normalize_decimal(number), unit))
    pricing = parse.sub(raw, "pricing")
    for key, value in sorted(pricing.items()):
        price = measured(value, f"pricing.{key}")
        if price is not None:
            scores.append(ScoreFacts(key, price, "usd/1M tokens"))
    for key, unit in _SPEED.items():
        speed = measured(raw.get(key), key)
        if speed is not None:
            scores.append(ScoreFacts(key, speed, unit))
    return tuple(scores)


def _item(record: RawRecord) -> SourceItem:
    raw = record.payload
    name = parse.text(raw.get("name"), "name")
    slug = parse.text(raw.get("slug"), "slug")
    creator = parse.sub(raw, "model_creator")
    creator_slug = parse.opt_text(creator.get("slug"))
    base, variant = split_variant(slug)
    return SourceItem(
        source=SOURCE,
        external_id=record.external_id,
        creator_hint=canonical_creator(creator_slug) if creator_slug else None,
        slug=base,
        model=ModelFacts(name=name, release_date=parse.loose_date(raw.get("release_date"))),
        scores=_scores(raw),
        variant=variant,
        extra={"full_slug": slug, "creator_name": parse.opt_text(creator.get("name"))},
    )
