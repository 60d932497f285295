"""The GraphQL enums: the base layer's own classes, registered here with `strawberry.enum`.

No enum is defined in schema/: the vocabularies live in server.core.vocabulary and the sort
keys in server.core.catalog, where the tables, the catalog queries, the sync and the REST
routes use the same classes. Registering sets the GraphQL name and description on the class
itself (in place), so a value added there appears in the schema (schema.graphql's drift test
and tests/test_vocabulary.py then ask for the review). Import the enums from this module so
they are registered before a type refers to them.
"""

from __future__ import annotations

import strawberry

from server.core.catalog.filters import OfferingSortField, SortField
from server.core.catalog.providers import ProviderSortField
from server.core.vocabulary import (
    Capability,
    ChangeKind,
    EntityStatus,
    ListingKind,
    ProviderKind,
    Source,
)

__all__ = [
    "Capability",
    "ChangeKind",
    "EntityStatus",
    "ListingKind",
    "OfferingSortField",
    "ProviderKind",
    "ProviderSortField",
    "SortField",
    "Source",
]

strawberry.enum(Capability)
strawberry.enum(ChangeKind)
strawberry.enum(EntityStatus, name="ModelStatus")
strawberry.enum(
    ListingKind,
    description="What kind of listing an offering is. PAID: a production API with a price "
    "card. FREE_VARIANT: a free tier (a `:free` variant or a $0 listing). PLAYGROUND: a "
    "free, rate-limited demo endpoint (e.g. GitHub Models, NVIDIA build). PRICE_UNKNOWN: no "
    "per-token price (self-hosted, subscription plans, or not listed; prices are null).",
)
strawberry.enum(ProviderKind)
strawberry.enum(Source)
# The catalog's own sort keys, exposed as they are: one list of sorts for both APIs.
strawberry.enum(SortField, name="ModelSortField")
strawberry.enum(OfferingSortField)
strawberry.enum(ProviderSortField, name="ProviderSort")
