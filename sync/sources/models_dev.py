"""models.dev `GET /api.json`: providers, each with its models and price cards (USD per 1M).

Raw records: one per provider (external id = provider id, its models left out) and one per
provider-model entry (external id = `<provider>/<model id>`; provider ids have no `/`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from server.core.vocabulary import ProviderKind, Source
from sync import parse
from sync.fetch import Fetcher, SourceFailure
from sync.identity import canonical_creator, identity_data
from sync.listing import classify
from sync.records import (
    InvalidRecord,
    JsonObject,
    ModelFacts,
    Normalized,
    OfferingFacts,
    Prices,
    ProviderRecord,
    RawRecord,
    SourceItem,
)
from sync.sources.common import finish

SOURCE = Source.MODELS_DEV.value  # plain str: orjson takes str keys only
_COST_FIELDS = {
    "input": "input_price",
    "output": "output_price",
    "cache_read": "cache_read_price",
    "cache_write": "cache_write_price",
    "reasoning": "reasoning_price",
    "input_audio": "input_audio_price",
    "output_audio": "output_audio_price",
}


async def fetch(fetcher: Fetcher, url: str) -> Any:
    return (await fetcher.get_json(url)).body


def records(document: Any) -> list[RawRecord]:
    """Split the document into raw records; a wrong top-level shape fails the source."""
    if not isinstance(document, dict):
        raise SourceFailure("models.dev: expected an object keyed by provider id")
    out: list[RawRecord] = []
    for provider_id, provider in document.items():
        if not isinstance(provider, dict):
            out.append(RawRecord(SOURCE, str(provider_id), {"invalid": provider}))
            continue
        models = provider.get("models")
        head = {k: v for k, v in provider.items() if k != "models"}
        out.append(RawRecord(SOURCE, str(provider_id), head))
        for model_id, model in (models or {}).items() if isinstance(models, dict) else ():
            payload = model if isinstance(model, dict) else {"invalid": model}
            out.append(RawRecord(SOURCE, f"{provider_id}/{model_id}", payload))
    return out


def normalize(document: Any) -> Normalized:
    return normalize_records(records(document))


def normalize_records(raw: list[RawRecord]) -> Normalized:
    result = Normalized(SOURCE, raw=list(raw))
    for record in raw:
        try:
            if "/" in record.external_id:
                result.items.append(_item(record))
            else:
                result.providers.append(_provider(record))
        except InvalidRecord as exc:
            result.reject(record.external_id, str(exc))
    return finish(result)


def _provider(record: RawRecord) -> ProviderRecord:
    raw = parse.obj(record.payload, "provider")
    data = identity_data()
    kind = ProviderKind.LAB if record.external_id in data.lab_providers else ProviderKind.HOST
    if record.external_id in data.routers:
        kind = ProviderKind.ROUTER
    return ProviderRecord(
        id=record.external_id,
        name=parse.text(raw.get("name"), "name"),
        kind=kind,
        api_url=parse.opt_text(raw.get("api")),
        doc_url=parse.opt_text(raw.get("doc")),
        env_vars=parse.string_list(raw.get("env")),
        npm_package=parse.opt_text(raw.get("npm")),
    )


def _item(record: RawRecord) -> SourceItem:
    provider_id, model_id = record.external_id.split("/", 1)
    raw = parse.obj(record.payload, "model")
    name = parse.text(raw.get("name"), "name")
    limit = parse.sub(raw, "limit")
    modalities = parse.sub(raw, "modalities")
    deprecated = raw.get("status") == "deprecated"
    facts = ModelFacts(
        name=name,
        family=parse.opt_text(raw.get("family")),
        release_date=parse.loose_date(raw.get("release_date")),
        last_updated=parse.loose_date(raw.get("last_updated")),
        knowledge_cutoff=parse.opt_text(raw.get("knowledge")),
        open_weights=parse.opt_bool(raw.get("open_weights")),
        input_modalities=parse.string_list(modalities.get("input")),
        output_modalities=parse.string_list(modalities.get("output")),
        supports_tools=parse.opt_bool(raw.get("tool_call")),
        supports_reasoning=parse.opt_bool(raw.get("reasoning")),
        supports_structured_output=parse.opt_bool(raw.get("structured_output")),
        supports_attachments=parse.opt_bool(raw.get("attachment")),
        supports_temperature=parse.opt_bool(raw.get("temperature")),
        context_window=parse.opt_int(limit.get("context"), "limit.context"),
        max_output_tokens=parse.opt_int(limit.get("output"), "limit.output"),
        deprecated=deprecated,
    )
    prices, kind = classify(provider_id, model_id, _prices(raw.get("cost")))
    offering = OfferingFacts(
        provider_id=provider_id,
        provider_model_id=model_id,
        name=name,
        prices=prices,
        listing_kind=kind,
        context_window=facts.context_window,
        max_input_tokens=parse.opt_int(limit.get("input"), "limit.input"),
        max_output_tokens=facts.max_output_tokens,
        deprecated=deprecated,
    )
    first_party = provider_id in identity_data().lab_providers and "/" not in model_id
    creator, slug = _creator_and_slug(provider_id, model_id, first_party)
    return SourceItem(
        source=SOURCE,
        external_id=record.external_id,
        creator_hint=creator,
        slug=slug,
        model=facts,
        offering=offering,
        first_party=first_party,
    )


def _creator_and_slug(provider_id: str, model_id: str, first_party: bool) -> tuple[str | None, str]:
    if "/" in model_id:  # aggregator or HF-style id: the author is the prefix
        author, slug = model_id.split("/", 1)
        return canonical_creator(author), slug
    if first_party:
        return canonical_creator(provider_id), model_id
    return None, model_id  # a host's own id (azure `gpt-5`): the merge finds the creator


def _price(value: Any, what: str) -> Decimal | None:
    """USD per 1M tokens; a negative price is garbage (nobody pays you to use a model)."""
    price = parse.decimal_number(value, what)
    return None if price is None else parse.sane_price(price, what)


def _prices(cost: Any) -> Prices:
    """models.dev cost is USD per 1M already; a missing cost is unknown, not free."""
    if not isinstance(cost, dict):
        return Prices()
    values: dict[str, Any] = {
        target: _price(cost.get(key), f"cost.{key}") for key, target in _COST_FIELDS.items()
    }
    tiers = tuple(_tier(t) for t in cost.get("tiers") or () if isinstance(t, dict))
    known = [v for v in (values["input_price"], values["output_price"]) if v is not None]
    is_free = bool(known) and all(v == 0 for v in known)
    return Prices(**values, tiers=tuple(t for t in tiers if t), is_free=is_free)


def _tier(raw: JsonObject) -> JsonObject:
    tier = parse.sub(raw, "tier")
    size = tier.get("size")
    if not isinstance(size, int):
        return {}
    out: JsonObject = {"above_tokens": size}
    for key, target in _COST_FIELDS.items():
        value = _price(raw.get(key), f"tiers.{key}")
        if value is not None:
            out[target] = str(parse.normalize_decimal(value))
    return out
