"""SQLAlchemy Core table metadata (DESIGN §4). Alembic migrations must match it.

Conventions: prices are NUMERIC in USD per 1M tokens and NULL when unknown (never 0);
times are timestamptz; rows are never deleted by a sync, they get `removed_at`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Computed,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

# The CHECK constraints and defaults below come from these (a new value needs a migration too).
from server.core.vocabulary import (
    CHANGE_ENTITIES,
    CHANGE_KINDS,
    ENTITY_STATUSES,
    LISTING_KINDS,
    MATCH_METHODS,
    PROVIDER_KINDS,
    RUN_STATUSES,
    RUN_TRIGGERS,
    SOURCES,
    EntityStatus,
    ListingKind,
    RunStatus,
)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _created() -> Column[object]:
    return Column(
        "first_seen_at", DateTime(timezone=True), nullable=False, server_default=func.now()
    )


def _price(name: str) -> Column[object]:
    return Column(name, Numeric, nullable=True)


providers = Table(
    "providers",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=True),  # lab | host | router; NULL when no source says
    Column("api_url", Text),
    Column("doc_url", Text),
    Column("env_vars", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("npm_package", Text),
    Column("status", Text, nullable=False, server_default=EntityStatus.ACTIVE.value),
    _created(),
    Column("last_seen_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("removed_at", DateTime(timezone=True)),
    CheckConstraint("kind IS NULL OR " + _in("kind", PROVIDER_KINDS), name="kind"),
    CheckConstraint(_in("status", ENTITY_STATUSES), name="status"),
)

models = Table(
    "models",
    metadata,
    Column("id", Text, primary_key=True),  # <creator>/<slug>, lower case
    Column("name", Text, nullable=False),
    Column("creator_id", Text, nullable=False),  # a provider id; not a FK so AA-only labs fit
    Column("family", Text),
    Column("description", Text),
    Column("release_date", Date),
    Column("last_updated", Date),
    Column("knowledge_cutoff", Text),  # YYYY-MM or YYYY-MM-DD as the source gives it
    Column("open_weights", Boolean),
    Column("license", Text),
    Column("input_modalities", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("output_modalities", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("supports_tools", Boolean),
    Column("supports_reasoning", Boolean),
    Column("supports_structured_output", Boolean),
    Column("supports_attachments", Boolean),
    Column("supports_temperature", Boolean),
    Column("context_window", Integer),
    Column("max_output_tokens", Integer),
    Column("huggingface_id", Text),
    Column("downloads", BigInteger),
    Column("likes", BigInteger),
    Column("trending_score", Double),
    # Denormalised from scores and offerings by the sync, so list sorts need no join.
    Column("intelligence_index", Numeric),
    Column("output_tokens_per_second", Numeric),
    # The prices of the model's cheapest active paid offering (both from that one offering),
    # and of its cheapest offering when free tiers count; refreshed by the sync's write
    # from the stored offerings with the rule of server/core/catalog/offerings.cheapest.
    Column("cheapest_input_price", Numeric),
    Column("cheapest_output_price", Numeric),
    Column("cheapest_any_input_price", Numeric),
    Column("cheapest_any_output_price", Numeric),
    Column("sources", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("status", Text, nullable=False, server_default=EntityStatus.ACTIVE.value),
    Column("content_hash", Text),
    _created(),
    Column("last_seen_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("removed_at", DateTime(timezone=True)),
    Column("missing_syncs", SmallInteger, nullable=False, server_default="0"),
    # A moving alias (`-latest`, `deepseek-chat`): the model it points at now. Not a FK:
    # the target may be removed later while the alias stays.
    Column("alias_of", Text),
    Column(
        "search_text",
        Text,
        Computed("lower(id || ' ' || name)", persisted=True),
        nullable=True,
    ),
    CheckConstraint(_in("status", ENTITY_STATUSES), name="status"),
    Index("ix_models_creator_id", "creator_id"),
    Index("ix_models_release_date", "release_date"),
    Index("ix_models_huggingface_id", func.lower(text("huggingface_id"))),
    # The default list order (lower(name), id): a page is an index scan, not a full sort.
    Index("ix_models_lower_name_id", func.lower(text("name")), "id"),
    Index(
        "ix_models_search_trgm",
        "search_text",
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    ),
)

offerings = Table(
    "offerings",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("provider_id", Text, ForeignKey("providers.id"), nullable=False),
    Column("provider_model_id", Text, nullable=False),  # the provider's own id for the model
    Column("model_id", Text, ForeignKey("models.id"), nullable=False),
    Column("name", Text),
    _price("input_price"),
    _price("output_price"),
    _price("cache_read_price"),
    _price("cache_write_price"),
    _price("reasoning_price"),
    _price("input_audio_price"),
    _price("output_audio_price"),
    _price("request_price"),  # USD per request
    _price("image_price"),  # USD per image
    Column("price_tiers", JSONB),  # [{"above_tokens": 200000, "input_price": "6", ...}]
    Column("is_free", Boolean, nullable=False, server_default=text("false")),
    # OpenRouter "-1": the price depends on the routed model; prices stay NULL.
    Column("price_variable", Boolean, nullable=False, server_default=text("false")),
    Column("listing_kind", Text, nullable=False, server_default=ListingKind.PAID.value),
    Column("context_window", Integer),
    Column("max_input_tokens", Integer),
    Column("max_output_tokens", Integer),
    Column("expires_on", Date),
    Column("status", Text, nullable=False, server_default=EntityStatus.ACTIVE.value),
    Column("source", Text, nullable=False),  # the source whose values won
    Column("provenance", JSONB),  # other sources' values, incl. disagreements
    Column("content_hash", Text),
    _created(),
    Column("last_seen_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("removed_at", DateTime(timezone=True)),
    Column("missing_syncs", SmallInteger, nullable=False, server_default="0"),
    UniqueConstraint("provider_id", "provider_model_id"),
    CheckConstraint(_in("status", ENTITY_STATUSES), name="status"),
    CheckConstraint(_in("listing_kind", LISTING_KINDS), name="listing_kind"),
    Index("ix_offerings_model_id", "model_id"),
)

external_ids = Table(
    "external_ids",
    metadata,
    Column("source", Text, nullable=False),
    Column("external_id", Text, nullable=False),
    Column("model_id", Text, ForeignKey("models.id"), nullable=False),
    Column("match_method", Text, nullable=False),
    Column("confidence", Double, nullable=False, server_default="1"),
    _created(),
    PrimaryKeyConstraint("source", "external_id"),
    CheckConstraint(_in("match_method", MATCH_METHODS), name="match_method"),
    Index("ix_external_ids_model_id", "model_id"),
    Index("ix_external_ids_lower_id", func.lower(text("external_id"))),
)

scores = Table(
    "scores",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("model_id", Text, ForeignKey("models.id"), nullable=False),
    Column("source", Text, nullable=False),
    Column("metric", Text, nullable=False),
    Column("variant", Text, nullable=False, server_default=""),  # AA effort variant, "" = base
    Column("value", Numeric, nullable=False),
    Column("unit", Text),
    Column("self_reported", Boolean, nullable=False, server_default=text("false")),
    Column("measured_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("model_id", "source", "metric", "variant"),
)

source_records = Table(
    "source_records",
    metadata,
    Column("source", Text, nullable=False),
    Column("external_id", Text, nullable=False),
    Column("payload", JSONB, nullable=False),
    Column("content_hash", Text, nullable=False),
    Column("model_id", Text),  # NULL while unmatched (e.g. an AA row)
    _created(),
    Column("last_seen_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("removed_at", DateTime(timezone=True)),
    Column("missing_syncs", SmallInteger, nullable=False, server_default="0"),
    PrimaryKeyConstraint("source", "external_id"),
    CheckConstraint(_in("source", SOURCES), name="source"),
)

sync_runs = Table(
    "sync_runs",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("trigger", Text, nullable=False),
    Column("status", Text, nullable=False, server_default=RunStatus.RUNNING.value),
    Column("sources", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
    Column("total_fetched", Integer, nullable=False, server_default="0"),
    Column("total_stored", Integer, nullable=False, server_default="0"),
    Column("total_changed", Integer, nullable=False, server_default="0"),
    Column("message", Text),
    Column("source_stats", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("replica_id", Text),
    CheckConstraint(_in("trigger", RUN_TRIGGERS), name="trigger"),
    CheckConstraint(_in("status", RUN_STATUSES), name="status"),
    Index("ix_sync_runs_started_at", "started_at"),
    # At most one run may be `running`: the advisory lock's guarantee, kept by the schema too.
    Index(
        "uq_sync_runs_one_running",
        "status",
        unique=True,
        postgresql_where=text("status = 'running'"),
    ),
)

changes = Table(
    "changes",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("sync_run_id", BigInteger, ForeignKey("sync_runs.id", ondelete="SET NULL")),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("entity", Text, nullable=False),  # model | offering | provider | score
    Column("entity_id", Text, nullable=False),
    Column("model_id", Text),
    Column("provider_id", Text),
    Column("kind", Text, nullable=False),
    Column("field", Text),
    Column("old_value", JSONB),
    Column("new_value", JSONB),
    CheckConstraint(_in("kind", CHANGE_KINDS), name="kind"),
    CheckConstraint(_in("entity", CHANGE_ENTITIES), name="entity"),
    Index("ix_changes_at_id", "at", "id"),
    Index("ix_changes_model_id_at", "model_id", "at"),
    Index("ix_changes_provider_id_at", "provider_id", "at"),
    Index("ix_changes_kind_at", "kind", "at"),
)


# Every price column of `offerings`, in USD per 1M tokens (per request / per image for the
# last two). The sync diffs them into price_changed events; price history replays them.
OFFERING_PRICE_COLUMNS = (
    "input_price",
    "output_price",
    "cache_read_price",
    "cache_write_price",
    "reasoning_price",
    "input_audio_price",
    "output_audio_price",
    "request_price",
    "image_price",
)


def offering_entity_id(provider_id: str, provider_model_id: str) -> str:
    """How `changes.entity_id` names an offering. Provider ids never contain ':', so the
    first ':' splits it back even when the provider's model id has one (`…:free`)."""
    return f"{provider_id}:{provider_model_id}"


# One row (id = 1). `version` is bumped in the sync's write transaction; caches key on it,
# so one commit invalidates every replica's cached responses at once.
catalog_state = Table(
    "catalog_state",
    metadata,
    Column("id", SmallInteger, primary_key=True),
    Column("version", BigInteger, nullable=False, server_default="0"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("id = 1", name="single_row"),
)
