"""Offering type: one provider's price card for a model, cost estimates, price history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry

from schema.context import Info
from schema.enums import ListingKind, OfferingSortField
from schema.providers import Provider, provider_from_row
from server.core.catalog import cost as cost_calc
from server.core.catalog.filters import OfferingFilter
from server.core.catalog.history import offering_key, offering_price_changes, price_at
from server.core.catalog.rows import ChangeRow, OfferingRow

# One description per price column, shared by the price card (Offering) and its history
# (PriceSnapshot), so the two never describe the same number differently.
_PRICE_DESCRIPTIONS = {
    "input_price": "Input (prompt) price, USD per 1M tokens; null when unknown.",
    "output_price": "Output (completion) price, USD per 1M tokens; null when unknown.",
    "cache_read_price": "Price of cached input read, USD per 1M tokens.",
    "cache_write_price": "Price of writing input to the cache, USD per 1M tokens.",
    "reasoning_price": "Price of reasoning tokens when billed apart, USD per 1M tokens.",
    "input_audio_price": "Audio input price, USD per 1M tokens.",
    "output_audio_price": "Audio output price, USD per 1M tokens.",
    "request_price": "Price per request, USD.",
    "image_price": "Price per image, USD.",
}


def _price_field(column: str) -> Any:
    return strawberry.field(description=_PRICE_DESCRIPTIONS[column])


@strawberry.type(
    description="A long-context price tier: applies when the prompt exceeds aboveTokens."
)
class PriceTier:
    above_tokens: int = strawberry.field(
        description="The tier applies when the prompt exceeds this many tokens."
    )
    input_price: Decimal | None = strawberry.field(
        description="Input price in this tier, USD per 1M tokens."
    )
    output_price: Decimal | None = strawberry.field(
        description="Output price in this tier, USD per 1M tokens."
    )
    cache_read_price: Decimal | None = strawberry.field(
        description="Cache read price in this tier, USD per 1M tokens."
    )
    cache_write_price: Decimal | None = strawberry.field(
        description="Cache write price in this tier, USD per 1M tokens."
    )


@strawberry.type(description="One line of a cost estimate.")
class CostLine:
    item: str = strawberry.field(
        description="What is priced: input, output, cached input, cache write, reasoning, request."
    )
    tokens: int = strawberry.field(description="Tokens (or requests) counted.")
    unit_price: Decimal | None = strawberry.field(
        description="USD per 1M tokens (per request for 'request')."
    )
    cost: Decimal | None = strawberry.field(description="USD; null when the price is unknown.")


@strawberry.type
class CostEstimate:
    total: Decimal | None = strawberry.field(description="USD; null if any used price is unknown.")
    currency: str = strawberry.field(description="Always USD.")
    lines: list[CostLine] = strawberry.field(description="The cost line by line.")
    tier_applied_above_tokens: int | None = strawberry.field(
        description="The long-context tier used, if any."
    )
    complete: bool = strawberry.field(description="False when a price needed was unknown.")
    note: str | None = strawberry.field(description="What to know about this estimate.")


@strawberry.type(description="Prices in USD per 1M tokens at a point in time.")
class PriceSnapshot:
    at: datetime = strawberry.field(description="The moment these prices held.")
    input_price: Decimal | None = _price_field("input_price")
    output_price: Decimal | None = _price_field("output_price")
    cache_read_price: Decimal | None = _price_field("cache_read_price")
    cache_write_price: Decimal | None = _price_field("cache_write_price")
    reasoning_price: Decimal | None = _price_field("reasoning_price")
    input_audio_price: Decimal | None = _price_field("input_audio_price")
    output_audio_price: Decimal | None = _price_field("output_audio_price")
    request_price: Decimal | None = _price_field("request_price")
    image_price: Decimal | None = _price_field("image_price")


@strawberry.type
class PricePoint:
    at: datetime = strawberry.field(description="When the price changed.")
    field: str = strawberry.field(description="Which price changed.")
    old_value: Decimal | None = strawberry.field(
        description="Before, USD per 1M (null: was unknown)."
    )
    new_value: Decimal | None = strawberry.field(
        description="After, USD per 1M (null: now unknown)."
    )


def _tier(raw: Any) -> PriceTier:
    def dec(name: str) -> Decimal | None:
        value = raw.get(name)
        return None if value is None else Decimal(str(value))

    return PriceTier(
        above_tokens=int(raw.get("above_tokens", 0)),
        input_price=dec("input_price"),
        output_price=dec("output_price"),
        cache_read_price=dec("cache_read_price"),
        cache_write_price=dec("cache_write_price"),
    )


@strawberry.type(description="One provider's offering of a model, with its price card.")
class Offering:
    id: strawberry.ID = strawberry.field(description='"<providerId>:<providerModelId>"')
    provider_id: str = strawberry.field(description="The provider serving it.")
    provider_model_id: str = strawberry.field(description="The provider's own id for the model.")
    model_id: str = strawberry.field(description="The canonical model.")
    name: str | None = strawberry.field(description="The provider's name for it.")
    input_price: Decimal | None = _price_field("input_price")
    output_price: Decimal | None = _price_field("output_price")
    cache_read_price: Decimal | None = _price_field("cache_read_price")
    cache_write_price: Decimal | None = _price_field("cache_write_price")
    reasoning_price: Decimal | None = _price_field("reasoning_price")
    input_audio_price: Decimal | None = _price_field("input_audio_price")
    output_audio_price: Decimal | None = _price_field("output_audio_price")
    request_price: Decimal | None = _price_field("request_price")
    image_price: Decimal | None = _price_field("image_price")
    price_tiers: list[PriceTier] = strawberry.field(description="Long-context price tiers.")
    is_free: bool = strawberry.field(description="Free to use (all prices 0).")
    price_variable: bool = strawberry.field(
        description="True when the price depends on the routed model (OpenRouter '-1')."
    )
    listing_kind: ListingKind = strawberry.field(
        description="How the provider lists it (its own API, a free tier, a playground…)."
    )
    context_window: int | None = strawberry.field(
        description="Context window in tokens at this provider."
    )
    max_input_tokens: int | None = strawberry.field(
        description="Maximum input tokens at this provider."
    )
    max_output_tokens: int | None = strawberry.field(
        description="Maximum output tokens at this provider."
    )
    expires_on: date | None = strawberry.field(
        description="When the provider retires it, if announced."
    )
    status: str = strawberry.field(description="active, deprecated or removed.")
    source: str = strawberry.field(description="The upstream catalog this offering comes from.")
    first_seen_at: datetime = strawberry.field(description="When a sync first saw it (UTC).")
    last_seen_at: datetime = strawberry.field(description="When a sync last saw it (UTC).")
    removed_at: datetime | None = strawberry.field(description="When it was marked removed (UTC).")
    row: strawberry.Private[OfferingRow]

    @strawberry.field(description="The provider serving this offering.")
    async def provider(self, info: Info) -> Provider | None:
        row = await info.context.loaders.provider_by_id.load(self.provider_id)
        return provider_from_row(row) if row else None

    @strawberry.field(
        description="Total and line-by-line cost in USD, applying long-context tiers."
    )
    def estimate_cost(
        self,
        input_tokens: int = 0,
        output_tokens: int = 0,
        cached_input_tokens: int = 0,
        cache_write_tokens: int = 0,
        reasoning_tokens: int = 0,
    ) -> CostEstimate:
        tokens = cost_calc.TokenCounts(
            input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens
        )
        est = cost_calc.estimate_cost(self.row, tokens)
        return CostEstimate(
            total=est.total,
            currency="USD",
            lines=[
                CostLine(item=ln.item, tokens=ln.quantity, unit_price=ln.unit_price, cost=ln.cost)
                for ln in est.lines
            ],
            tier_applied_above_tokens=est.tier_above_tokens,
            complete=est.complete,
            note=est.note,
        )

    @strawberry.field(
        description="Prices at `at`, from the change history; null before it was first seen."
    )
    async def price_at(self, info: Info, at: datetime) -> PriceSnapshot | None:
        events = await info.context.loaders.changes_by_model_id.load(self.model_id)
        prices = price_at(self.row, events, at)
        if prices is None:
            return None
        return PriceSnapshot(
            at=at,
            input_price=prices.input_price,
            output_price=prices.output_price,
            cache_read_price=prices.cache_read_price,
            cache_write_price=prices.cache_write_price,
            reasoning_price=prices.reasoning_price,
            input_audio_price=prices.input_audio_price,
            output_audio_price=prices.output_audio_price,
            request_price=prices.request_price,
            image_price=prices.image_price,
        )

    @strawberry.field(description="This offering's price changes, newest first.")
    async def price_history(self, info: Info) -> list[PricePoint]:
        events = await info.context.loaders.changes_by_model_id.load(self.model_id)
        return price_points(self.row, events)


def price_points(offering: OfferingRow, events: list[ChangeRow]) -> list[PricePoint]:
    return [
        PricePoint(at=p.at, field=p.field, old_value=p.old, new_value=p.new)
        for p in offering_price_changes(offering, events)
    ]


def offering_from_row(row: OfferingRow) -> Offering:
    return Offering(
        id=strawberry.ID(offering_key(row)),
        provider_id=row.provider_id,
        provider_model_id=row.provider_model_id,
        model_id=row.model_id,
        name=row.name,
        input_price=row.input_price,
        output_price=row.output_price,
        cache_read_price=row.cache_read_price,
        cache_write_price=row.cache_write_price,
        reasoning_price=row.reasoning_price,
        input_audio_price=row.input_audio_price,
        output_audio_price=row.output_audio_price,
        request_price=row.request_price,
        image_price=row.image_price,
        price_tiers=[_tier(t) for t in row.price_tiers or []],
        is_free=row.is_free,
        price_variable=row.price_variable,
        listing_kind=ListingKind(row.listing_kind),
        context_window=row.context_window,
        max_input_tokens=row.max_input_tokens,
        max_output_tokens=row.max_output_tokens,
        expires_on=row.expires_on,
        status=row.status,
        source=row.source,
        first_seen_at=row.first_seen_at,
        last_seen_at=row.last_seen_at,
        removed_at=row.removed_at,
        row=row,
    )


@strawberry.input
class OfferingFilterInput:
    provider: str | None = strawberry.field(default=None, description="Only this provider.")
    statuses: list[str] | None = strawberry.field(
        default=None, description="Only these statuses (default: active, deprecated)."
    )
    free_only: bool = strawberry.field(default=False, description="Only free offerings.")
    max_input_price: Decimal | None = strawberry.field(
        default=None, description="Input price at most this, USD per 1M."
    )
    listing_kinds: list[ListingKind] | None = strawberry.field(
        default=None, description="Only these listing kinds (default: every kind)."
    )

    def to_filter(self) -> OfferingFilter:
        kinds = tuple(k.value for k in self.listing_kinds or ())
        statuses = OfferingFilter.statuses if self.statuses is None else tuple(self.statuses)
        return OfferingFilter(self.provider, statuses, self.free_only, self.max_input_price, kinds)


@strawberry.input
class OfferingSortInput:
    field: OfferingSortField = strawberry.field(
        default=OfferingSortField.INPUT_PRICE, description="What to sort by."
    )
    descending: bool = strawberry.field(default=False, description="Largest first.")

    def to_sort(self) -> tuple[OfferingSortField, bool]:
        return self.field, self.descending
