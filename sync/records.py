"""Typed records produced by the normalizers and consumed by the merge.

Prices are `Decimal` USD per 1M tokens (per request / per image where named so) and None
when the source does not say; a normalizer never turns "unknown" into 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from server.core.storable_text import NUL
from server.core.tables import OFFERING_PRICE_COLUMNS
from server.core.vocabulary import ListingKind

JsonObject = dict[str, Any]

PRICE_FIELDS = OFFERING_PRICE_COLUMNS


@dataclass(frozen=True)
class RawRecord:
    """One upstream record as stored in source_records (the unit of hashing and replay)."""

    source: str
    external_id: str
    payload: JsonObject


@dataclass(frozen=True)
class Prices:
    input_price: Decimal | None = None
    output_price: Decimal | None = None
    cache_read_price: Decimal | None = None
    cache_write_price: Decimal | None = None
    reasoning_price: Decimal | None = None
    input_audio_price: Decimal | None = None
    output_audio_price: Decimal | None = None
    request_price: Decimal | None = None
    image_price: Decimal | None = None
    # [{"above_tokens": 200000, "input_price": "6", ...}] with prices as decimal strings
    tiers: tuple[JsonObject, ...] = ()
    is_free: bool = False
    variable: bool = False

    def as_dict(self) -> dict[str, Decimal | None]:
        return {name: getattr(self, name) for name in PRICE_FIELDS}


@dataclass(frozen=True)
class ProviderRecord:
    id: str
    name: str
    kind: str | None = None
    api_url: str | None = None
    doc_url: str | None = None
    env_vars: tuple[str, ...] = ()
    npm_package: str | None = None


@dataclass(frozen=True)
class ModelFacts:
    """What one source says about a model; the merge combines several of these."""

    name: str
    family: str | None = None
    description: str | None = None
    release_date: date | None = None
    last_updated: date | None = None
    knowledge_cutoff: str | None = None
    open_weights: bool | None = None
    license: str | None = None
    input_modalities: tuple[str, ...] = ()
    output_modalities: tuple[str, ...] = ()
    supports_tools: bool | None = None
    supports_reasoning: bool | None = None
    supports_structured_output: bool | None = None
    supports_attachments: bool | None = None
    supports_temperature: bool | None = None
    context_window: int | None = None
    max_output_tokens: int | None = None
    huggingface_id: str | None = None
    downloads: int | None = None
    likes: int | None = None
    trending_score: float | None = None
    deprecated: bool = False


@dataclass(frozen=True)
class OfferingFacts:
    provider_id: str
    provider_model_id: str
    name: str | None
    prices: Prices
    context_window: int | None = None
    max_input_tokens: int | None = None
    max_output_tokens: int | None = None
    expires_on: date | None = None
    deprecated: bool = False
    listing_kind: str = ListingKind.PAID  # decided by sync.listing


@dataclass(frozen=True)
class ScoreFacts:
    metric: str
    value: Decimal
    unit: str | None
    self_reported: bool = False


@dataclass(frozen=True)
class SourceItem:
    """One normalized upstream record: facts about a model and possibly an offering of it.

    `external_id` is the source's key (also the source_records key). `creator_hint` and
    `slug` feed identity matching; `exact_keys` are ids other sources may share verbatim.
    """

    source: str
    external_id: str
    creator_hint: str | None
    slug: str
    model: ModelFacts
    offering: OfferingFacts | None = None
    scores: tuple[ScoreFacts, ...] = ()
    first_party: bool = False  # a lab describing its own model (models.dev lab providers)
    variant: str = ""  # AA effort variant, "" = base
    # Artificial Analysis fields used only for matching: creator slug as AA writes it
    extra: JsonObject = field(default_factory=dict)


@dataclass
class Normalized:
    """A source's normalized output, with bad records counted and a few reasons kept."""

    source: str
    items: list[SourceItem] = field(default_factory=list)
    providers: list[ProviderRecord] = field(default_factory=list)
    raw: list[RawRecord] = field(default_factory=list)
    invalid: int = 0
    invalid_examples: list[str] = field(default_factory=list)

    MAX_EXAMPLES = 5

    def reject(self, external_id: str, reason: str) -> None:
        self.invalid += 1
        if len(self.invalid_examples) < self.MAX_EXAMPLES:
            shown = external_id if len(external_id) <= 80 else external_id[:80] + "..."
            # The examples are stored as jsonb, which cannot hold a NUL.
            self.invalid_examples.append(f"{shown}: {reason}".replace(NUL, "\\0"))


class InvalidRecord(ValueError):
    """A record that cannot be normalized; counted and skipped, never fatal."""
