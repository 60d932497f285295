"""OpenRouter `GET /api/v1/models`: prices are USD per token as decimal strings.

`"-1"` means variable (routers): the price is NULL and the offering is flagged. `:free`,
`:thinking`… suffixes are separate offerings of the same model. Follows `links.next`
when a paginated envelope is returned (the SDK models one; observed bodies have none).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urljoin

from server.core.vocabulary import Source
from sync import parse
from sync.fetch import Fetcher, SourceFailure
from sync.identity import canonical_creator
from sync.listing import classify
from sync.records import (
    InvalidRecord,
    ModelFacts,
    Normalized,
    OfferingFacts,
    Prices,
    RawRecord,
    SourceItem,
)
from sync.sources.common import id_keyed_records, normalize_each

SOURCE = Source.OPENROUTER.value  # plain str: orjson takes str keys only
PROVIDER_ID = "openrouter"
MAX_PAGES = 50
_PER_TOKEN = {
    "prompt": "input_price",
    "completion": "output_price",
    "input_cache_read": "cache_read_price",
    "input_cache_write": "cache_write_price",
    "internal_reasoning": "reasoning_price",
    "audio": "input_audio_price",
}
_PER_UNIT = {"request": "request_price", "image": "image_price"}


async def fetch(fetcher: Fetcher, url: str) -> Any:
    data: list[Any] = []
    next_url: str | None = url
    for _ in range(MAX_PAGES):
        if next_url is None:
            break
        body = (await fetcher.get_json(next_url)).body
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise SourceFailure("openrouter: expected an object with a `data` list")
        data.extend(body["data"])
        links = parse.sub(body, "links")
        nxt = links.get("next")
        next_url = urljoin(next_url, nxt) if isinstance(nxt, str) and nxt else None
    return {"data": data}


def records(document: Any) -> list[RawRecord]:
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise SourceFailure("openrouter: expected an object with a `data` list")
    return id_keyed_records(SOURCE, document["data"])


def normalize(document: Any) -> Normalized:
    return normalize_records(records(document))


def normalize_records(raw: list[RawRecord]) -> Normalized:
    return normalize_each(SOURCE, raw, _item)


def per_million(value: Any, what: str) -> tuple[Decimal | None, bool]:
    """A per-token price string -> (USD per 1M tokens, is_variable)."""
    amount = _price(value, what)
    if amount is None:
        return None, False
    if amount == -1:
        return None, True
    per_1m = parse.EXACT.multiply(amount, parse.PER_MILLION)
    return parse.normalize_decimal(parse.sane_price(per_1m, f"pricing.{what}")), False


def _price(value: Any, what: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise InvalidRecord(f"pricing.{what} is not a number")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise InvalidRecord(f"pricing.{what} is not a number: {value!r}") from None
    if amount.is_finite() and amount < 0 and amount != -1:
        raise InvalidRecord(f"pricing.{what} is negative: {value!r}")
    return parse.plausible(amount, f"pricing.{what}")


def _prices(raw: Any) -> Prices:
    pricing = parse.obj(raw, "pricing")
    values: dict[str, Any] = {}
    variable = False
    for key, target in _PER_TOKEN.items():
        values[target], is_variable = per_million(pricing.get(key), key)
        variable = variable or is_variable
    for key, target in _PER_UNIT.items():
        amount = _price(pricing.get(key), key)
        if amount is None or amount == -1:
            values[target] = None
        else:
            values[target] = parse.sane_price(amount, f"pricing.{key}")
        variable = variable or amount == -1
    if "prompt" not in pricing or "completion" not in pricing:
        raise InvalidRecord("pricing.prompt or pricing.completion is missing")
    is_free = values["input_price"] == 0 and values["output_price"] == 0 and not variable
    return Prices(**values, is_free=is_free, variable=variable)


def _item(record: RawRecord) -> SourceItem:
    raw = record.payload
    name = parse.text(raw.get("name"), "name")
    arch = parse.sub(raw, "architecture")
    top = parse.sub(raw, "top_provider")
    params = set(parse.string_list(raw.get("supported_parameters")))
    inputs = parse.string_list(arch.get("input_modalities"))
    context = parse.opt_int(raw.get("context_length"), "context_length")
    max_output = parse.opt_int(top.get("max_completion_tokens"), "max_completion_tokens")
    expires = parse.loose_date(raw.get("expiration_date"))
    facts = ModelFacts(
        name=name.split(": ", 1)[1] if ": " in name else name,
        description=parse.opt_text(raw.get("description")),
        knowledge_cutoff=parse.opt_text(raw.get("knowledge_cutoff")),
        input_modalities=inputs,
        output_modalities=parse.string_list(arch.get("output_modalities")),
        supports_tools="tools" in params,
        supports_reasoning="reasoning" in params,
        supports_structured_output=bool(params & {"response_format", "structured_outputs"}),
        supports_attachments=bool(set(inputs) & {"image", "file", "audio", "video"}),
        supports_temperature="temperature" in params,
        context_window=context,
        max_output_tokens=max_output,
        huggingface_id=parse.opt_text(raw.get("hugging_face_id")),
    )
    prices, kind = classify(PROVIDER_ID, record.external_id, _prices(raw.get("pricing")))
    offering = OfferingFacts(
        provider_id=PROVIDER_ID,
        provider_model_id=record.external_id,
        name=name,
        prices=prices,
        listing_kind=kind,
        context_window=parse.opt_int(top.get("context_length"), "top_provider") or context,
        max_output_tokens=max_output,
        expires_on=expires,
    )
    author, _, rest = record.external_id.lstrip("~").partition("/")
    if not rest:
        raise InvalidRecord("id is not author/slug")
    return SourceItem(
        source=SOURCE,
        external_id=record.external_id,
        creator_hint=canonical_creator(author),
        slug=rest.split(":", 1)[0],
        model=facts,
        offering=offering,
        extra={"canonical_slug": raw.get("canonical_slug")},
    )
