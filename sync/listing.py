"""What kind of listing an offering is, and what its $0 means. Pure.

Kinds (server.core.vocabulary.ListingKind), decided in this order:
1. `price_unknown`: the provider sells subscriptions or runs on your own machine
   (`unpriced` in sync/data/listing_kinds.json) and lists $0 -> the prices become NULL,
   because that $0 is "no per-token price", not "free"; also any listing with neither an
   input nor an output price (and no variable price).
2. `playground`: a free, rate-limited demo endpoint (`playground` in the data file), e.g.
   GitHub Models or NVIDIA build; prices kept as listed (usually $0).
3. `free_variant`: a free tier: an id ending in `:free` / `-free`, or $0 input and output.
4. `paid`: everything else, a production API with a price card.
"Cheapest" answers use `paid` offerings unless a client asks to include free tiers.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from importlib import resources

import orjson

from server.core.vocabulary import ListingKind
from sync.records import Prices

_FREE_SUFFIXES = (":free", "-free")


@cache
def _providers() -> tuple[frozenset[str], frozenset[str]]:
    """(playground providers, unpriced providers) from the data file."""
    raw = orjson.loads(resources.files("sync").joinpath("data", "listing_kinds.json").read_bytes())
    return frozenset(raw["playground"]), frozenset(raw["unpriced"])


def _all_zero(prices: Prices) -> bool:
    known = [v for v in (prices.input_price, prices.output_price) if v is not None]
    return bool(known) and all(v == 0 for v in known)


def classify(
    provider_id: str, provider_model_id: str, prices: Prices
) -> tuple[Prices, ListingKind]:
    """The listing kind, and the prices to store (a $0 that means unknown becomes NULL)."""
    playground, unpriced = _providers()
    if provider_id in unpriced and (_all_zero(prices) or prices.input_price is None):
        return Prices(variable=prices.variable), ListingKind.PRICE_UNKNOWN
    if provider_id in playground:
        return prices, ListingKind.PLAYGROUND
    if provider_model_id.lower().endswith(_FREE_SUFFIXES) or _all_zero(prices):
        return replace(prices, is_free=_all_zero(prices)), ListingKind.FREE_VARIANT
    if prices.input_price is None and prices.output_price is None and not prices.variable:
        return prices, ListingKind.PRICE_UNKNOWN
    return prices, ListingKind.PAID
