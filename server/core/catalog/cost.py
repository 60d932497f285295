"""Cost estimation for one offering: pure Decimal arithmetic (DESIGN §6, §8.9).

Prices are USD per 1M tokens. A long-context tier applies to the whole request when its
prompt (input + cached input + cache write tokens) exceeds the tier's `above_tokens`, which
is how Anthropic and Google bill their long-context rates. Reasoning tokens are billed at
`reasoning_price` when the card has one, else at the output price.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from server.core.catalog.rows import OfferingRow
from server.core.errors import InvalidInput

PER = Decimal(1_000_000)
TIERED_FIELDS = ("input_price", "output_price", "cache_read_price", "cache_write_price")


@dataclass(frozen=True)
class CostLine:
    item: str  # input | cached_input | cache_write | output | reasoning | request
    quantity: int
    unit_price: Decimal | None  # USD per 1M tokens (per request for "request")
    cost: Decimal | None  # None when the price is unknown


@dataclass(frozen=True)
class CostEstimate:
    total: Decimal | None  # None when any non-zero line has an unknown price
    lines: tuple[CostLine, ...]
    tier_above_tokens: int | None  # the tier applied, if any
    complete: bool
    note: str | None = None


@dataclass(frozen=True)
class TokenCounts:
    input: int = 0
    output: int = 0
    cached_input: int = 0
    cache_write: int = 0
    reasoning: int = 0

    def __post_init__(self) -> None:
        for name in ("input", "output", "cached_input", "cache_write", "reasoning"):
            if getattr(self, name) < 0:
                raise InvalidInput(f"{name} tokens must be >= 0")

    @property
    def prompt(self) -> int:
        return self.input + self.cached_input + self.cache_write


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def applicable_tier(tiers: Any, prompt_tokens: int) -> Mapping[str, Any] | None:
    """The highest tier whose threshold the prompt exceeds."""
    best: Mapping[str, Any] | None = None
    for tier in tiers or []:
        above = int(tier.get("above_tokens", 0))
        if prompt_tokens > above and (best is None or above > int(best["above_tokens"])):
            best = tier
    return best


def _base_prices(offering: OfferingRow) -> dict[str, Decimal | None]:
    return {
        "input_price": _decimal(offering.input_price),
        "output_price": _decimal(offering.output_price),
        "cache_read_price": _decimal(offering.cache_read_price),
        "cache_write_price": _decimal(offering.cache_write_price),
        "reasoning_price": _decimal(offering.reasoning_price),
        "request_price": _decimal(offering.request_price),
    }


def effective_prices(
    offering: OfferingRow, prompt_tokens: int
) -> tuple[dict[str, Decimal | None], int | None]:
    prices = _base_prices(offering)
    tier = applicable_tier(offering.price_tiers, prompt_tokens)
    if tier is None:
        return prices, None
    for field in TIERED_FIELDS:
        if tier.get(field) is not None:
            prices[field] = Decimal(str(tier[field]))
    return prices, int(tier["above_tokens"])


def _line(item: str, quantity: int, price: Decimal | None, per: Decimal = PER) -> CostLine:
    if quantity == 0:
        return CostLine(item, 0, price, Decimal(0))
    cost = None if price is None else price * quantity / per
    return CostLine(item, quantity, price, cost)


def estimate_cost(offering: OfferingRow, tokens: TokenCounts) -> CostEstimate:
    if offering.price_variable:
        return CostEstimate(None, (), None, False, "price varies with the routed model")
    prices, tier = effective_prices(offering, tokens.prompt)
    reasoning_price = prices["reasoning_price"] or prices["output_price"]
    lines = [
        _line("input", tokens.input, prices["input_price"]),
        _line("cached_input", tokens.cached_input, prices["cache_read_price"]),
        _line("cache_write", tokens.cache_write, prices["cache_write_price"]),
        _line("output", tokens.output, prices["output_price"]),
        _line("reasoning", tokens.reasoning, reasoning_price),
    ]
    if prices["request_price"] is not None:
        lines.append(_line("request", 1, prices["request_price"], Decimal(1)))
    unknown = [ln.item for ln in lines if ln.cost is None]
    total = None if unknown else sum((ln.cost or Decimal(0) for ln in lines), Decimal(0))
    note = f"unknown price for: {', '.join(unknown)}" if unknown else None
    return CostEstimate(total, tuple(lines), tier, not unknown, note)
