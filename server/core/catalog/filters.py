"""Filter and sort value objects for catalog queries (INTERFACES §B).

Plain frozen dataclasses: the REST and GraphQL layers translate their inputs into these, so
the SQL lives in one place and knows nothing of HTTP or GraphQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from server.core.vocabulary import VISIBLE_STATUSES, Capability

# Each capability is a boolean column of `models`.
CAPABILITY_COLUMNS = {capability.value: f"supports_{capability.value}" for capability in Capability}


@dataclass(frozen=True)
class ModelFilter:
    search: str | None = None  # ranked trigram/ILIKE on models.search_text
    creator: str | None = None
    provider: str | None = None  # served by (has an active offering from) this provider
    capabilities: tuple[str, ...] = ()  # all of these (server.core.vocabulary.Capability)
    input_modalities: tuple[str, ...] = ()
    output_modalities: tuple[str, ...] = ()
    open_weights: bool | None = None
    min_context_window: int | None = None
    min_max_output_tokens: int | None = None
    max_input_price: Decimal | None = None  # on the cheapest offering
    max_output_price: Decimal | None = None
    # Has an active offering of one of these listing kinds (server.core.vocabulary).
    listing_kinds: tuple[str, ...] = ()
    # False: "cheapest" (price filters and sorts) means the cheapest paid offering; True:
    # free tiers and playgrounds count too (server.core.catalog.offerings.cheapest).
    include_free: bool = False
    released_after: date | None = None
    released_before: date | None = None
    statuses: tuple[str, ...] = VISIBLE_STATUSES  # removed hidden unless asked
    source: str | None = None


class SortField(StrEnum):
    NAME = "name"
    RELEASE_DATE = "release_date"
    CONTEXT_WINDOW = "context_window"
    INPUT_PRICE = "input_price"
    OUTPUT_PRICE = "output_price"
    INTELLIGENCE_INDEX = "intelligence_index"
    OUTPUT_SPEED = "output_speed"
    DOWNLOADS = "downloads"
    LIKES = "likes"
    # Extension: best trigram match first; falls back to NAME without a search term.
    RELEVANCE = "relevance"


@dataclass(frozen=True)
class ModelSort:
    field: SortField = SortField.NAME
    descending: bool = False  # nulls always last; id breaks ties


@dataclass(frozen=True)
class OfferingFilter:
    provider: str | None = None
    statuses: tuple[str, ...] = VISIBLE_STATUSES
    free_only: bool = False
    max_input_price: Decimal | None = None
    listing_kinds: tuple[str, ...] = ()  # empty: every kind


class OfferingSortField(StrEnum):
    INPUT_PRICE = "input_price"
    OUTPUT_PRICE = "output_price"
    PROVIDER = "provider"
    CONTEXT_WINDOW = "context_window"
