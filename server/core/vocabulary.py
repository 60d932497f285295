"""Every closed vocabulary of the catalog, defined once.

The tables' CHECK constraints (server.core.tables), the catalog queries' input checks, the
sync, the REST parser and its OpenAPI document, and the GraphQL enums (schema/ registers
these very classes with `strawberry.enum`) all use the classes below. A new value is added
here, in a migration (the CHECK constraints), and nowhere else;
tests/test_vocabulary.py fails when a copy elsewhere drifts.

StrEnum: a member is its value, so rows (plain text) compare and hash equal to members.
The plural tuples (SOURCES, LISTING_KINDS...) are the plain strings, in declaration order,
for SQL and messages.
"""

from __future__ import annotations

from enum import StrEnum


def values(vocabulary: type[StrEnum]) -> tuple[str, ...]:
    """The plain string values, in declaration order."""
    return tuple(member.value for member in vocabulary)


class Source(StrEnum):
    """The upstream catalogs, in the order a sync runs and reports them."""

    MODELS_DEV = "models.dev"
    OPENROUTER = "openrouter"
    HUGGINGFACE = "huggingface"
    ARTIFICIAL_ANALYSIS = "artificialanalysis"


class EntityStatus(StrEnum):
    """Of a model, offering or provider (GraphQL: ModelStatus)."""

    ACTIVE = "active"
    DEPRECATED = "deprecated"
    REMOVED = "removed"


class ProviderKind(StrEnum):
    LAB = "lab"  # makes models
    HOST = "host"  # serves them
    ROUTER = "router"  # resells other hosts


class ListingKind(StrEnum):
    """What kind of listing an offering is (sync/listing.py decides; README "Listing kinds")."""

    PAID = "paid"  # a production API with a price card
    FREE_VARIANT = "free_variant"  # a free tier or `:free` copy
    PLAYGROUND = "playground"  # a rate-limited free demo (github-models, nvidia build...)
    PRICE_UNKNOWN = "price_unknown"  # self-hosted, subscriptions, no per-token price (NULL)


class Capability(StrEnum):
    """Model capability flags; each is the column `supports_<value>` of `models`."""

    TOOLS = "tools"
    REASONING = "reasoning"
    STRUCTURED_OUTPUT = "structured_output"
    ATTACHMENTS = "attachments"
    TEMPERATURE = "temperature"


class Modality(StrEnum):
    """Input and output modalities the REST filters accept (GraphQL takes free strings)."""

    TEXT = "text"
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    PDF = "pdf"
    FILE = "file"


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    RESTORED = "restored"
    PRICE_CHANGED = "price_changed"
    LIMITS_CHANGED = "limits_changed"
    STATUS_CHANGED = "status_changed"
    SCORE_CHANGED = "score_changed"


class ChangeEntity(StrEnum):
    MODEL = "model"
    OFFERING = "offering"
    PROVIDER = "provider"
    SCORE = "score"


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"  # some sources failed
    FAILED = "failed"
    ABANDONED = "abandoned"  # its replica died; the next lock holder marks it


class SourceStatus(StrEnum):
    """What one source did in a run (sync_runs.source_stats[source].status)."""

    SUCCEEDED = "succeeded"
    SKIPPED = "skipped"  # not configured (e.g. no Artificial Analysis key): not a failure
    FAILED = "failed"


class RunTrigger(StrEnum):
    SCHEDULE = "schedule"
    ADMIN = "admin"
    CLI = "cli"
    STARTUP = "startup"


class MatchMethod(StrEnum):
    """How a source's id was matched to a canonical model (external_ids.match_method)."""

    EXACT = "exact"
    NORMALIZED = "normalized"
    HF_ID = "hf-id"
    NAME = "name"
    OVERRIDE = "override"
    MINTED = "minted"  # matched nothing: the record created the model


SOURCES = values(Source)
ENTITY_STATUSES = values(EntityStatus)
# What lists show unless removed ones are asked for.
VISIBLE_STATUSES = (EntityStatus.ACTIVE.value, EntityStatus.DEPRECATED.value)
PROVIDER_KINDS = values(ProviderKind)
LISTING_KINDS = values(ListingKind)
# The kinds a "cheapest" answer considers by default, and with free tiers included.
PAID_KINDS = (ListingKind.PAID.value,)
WITH_FREE_KINDS = (
    ListingKind.PAID.value,
    ListingKind.FREE_VARIANT.value,
    ListingKind.PLAYGROUND.value,
)
CAPABILITIES = values(Capability)
MODALITIES = values(Modality)
CHANGE_KINDS = values(ChangeKind)
CHANGE_ENTITIES = values(ChangeEntity)
RUN_STATUSES = values(RunStatus)
RUN_TRIGGERS = values(RunTrigger)
SOURCE_STATUSES = values(SourceStatus)
MATCH_METHODS = values(MatchMethod)
