"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 17:39:08.856990
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # pg_trgm backs the ranked name search (trusted extension: the database owner may create it).
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "catalog_state",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_catalog_state_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_state")),
    )
    op.create_table(
        "models",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("creator_id", sa.Text(), nullable=False),
        sa.Column("family", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("release_date", sa.Date(), nullable=True),
        sa.Column("last_updated", sa.Date(), nullable=True),
        sa.Column("knowledge_cutoff", sa.Text(), nullable=True),
        sa.Column("open_weights", sa.Boolean(), nullable=True),
        sa.Column("license", sa.Text(), nullable=True),
        sa.Column(
            "input_modalities",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "output_modalities",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("supports_tools", sa.Boolean(), nullable=True),
        sa.Column("supports_reasoning", sa.Boolean(), nullable=True),
        sa.Column("supports_structured_output", sa.Boolean(), nullable=True),
        sa.Column("supports_attachments", sa.Boolean(), nullable=True),
        sa.Column("supports_temperature", sa.Boolean(), nullable=True),
        sa.Column("context_window", sa.Integer(), nullable=True),
        sa.Column("max_output_tokens", sa.Integer(), nullable=True),
        sa.Column("huggingface_id", sa.Text(), nullable=True),
        sa.Column("downloads", sa.BigInteger(), nullable=True),
        sa.Column("likes", sa.BigInteger(), nullable=True),
        sa.Column("trending_score", sa.Double(), nullable=True),
        sa.Column("intelligence_index", sa.Numeric(), nullable=True),
        sa.Column("output_tokens_per_second", sa.Numeric(), nullable=True),
        sa.Column("cheapest_input_price", sa.Numeric(), nullable=True),
        sa.Column("cheapest_output_price", sa.Numeric(), nullable=True),
        sa.Column(
            "sources", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False
        ),
        sa.Column("status", sa.Text(), server_default="active", nullable=False),
        sa.Column("content_hash", sa.Text(), nullable=True),
        sa.Column(
            "first_seen_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "last_seen_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("missing_syncs", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column(
            "search_text",
            sa.Text(),
            sa.Computed("lower(id || ' ' || name)", persisted=True),
            nullable=True,
        ),
        sa.CheckConstraint(
            "status IN ('active', 'deprecated', 'removed')", name=op.f("ck_models_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_models")),
    )
    op.create_index("ix_models_creator_id", "models", ["creator_id"], unique=False)
    op.create_index(
        "ix_models_huggingface_id",
        "models",
        [sa.literal_column("lower(huggingface_id)")],
        unique=False,
    )
    op.create_index("ix_models_release_date", "models", ["release_date"], unique=False)
    op.create_index(
        "ix_models_lower_name_id",
        "models",
        [sa.literal_column("lower(name)"), "id"],
        unique=False,
    )
    op.create_index(
        "ix_models_search_trgm",
        "models",
        ["search_text"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
    op.create_table(
        "providers",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=True),
        sa.Column("api_url", sa.Text(), nullable=True),
        sa.Column("doc_url", sa.Text(), nullable=True),
        sa.Column(
            "env_vars", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False
        ),
        sa.Column("npm_package", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default="active", nullable=False),
        sa.Column(
            "first_seen_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "last_seen_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IS NULL OR kind IN ('lab', 'host', 'router')", name=op.f("ck_providers_kind")
        ),
        sa.CheckConstraint(
            "status IN ('active', 'deprecated', 'removed')", name=op.f("ck_providers_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_providers")),
    )
    op.create_table(
        "source_records",
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("content_hash", sa.Text(), nullable=False),
        sa.Column("model_id", sa.Text(), nullable=True),
        sa.Column(
            "first_seen_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "last_seen_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("missing_syncs", sa.SmallInteger(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "source IN ('models.dev', 'openrouter', 'huggingface', 'artificialanalysis')",
            name=op.f("ck_source_records_source"),
        ),
        sa.PrimaryKeyConstraint("source", "external_id", name=op.f("pk_source_records")),
    )
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("trigger", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="running", nullable=False),
        sa.Column(
            "sources", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False
        ),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("total_fetched", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total_stored", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total_changed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column(
            "source_stats",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("replica_id", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'succeeded', 'partial', 'failed', 'abandoned')",
            name=op.f("ck_sync_runs_status"),
        ),
        sa.CheckConstraint(
            "trigger IN ('schedule', 'admin', 'cli', 'startup')", name=op.f("ck_sync_runs_trigger")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
    )
    op.create_index("ix_sync_runs_started_at", "sync_runs", ["started_at"], unique=False)
    op.create_index(
        "uq_sync_runs_one_running",
        "sync_runs",
        ["status"],
        unique=True,
        postgresql_where=sa.text("status = 'running'"),
    )
    op.create_table(
        "changes",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("sync_run_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("entity", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.Text(), nullable=False),
        sa.Column("model_id", sa.Text(), nullable=True),
        sa.Column("provider_id", sa.Text(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("field", sa.Text(), nullable=True),
        sa.Column("old_value", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("new_value", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.CheckConstraint(
            "entity IN ('model', 'offering', 'provider', 'score')", name=op.f("ck_changes_entity")
        ),
        sa.CheckConstraint(
            "kind IN ('added', 'removed', 'restored', 'price_changed', 'limits_changed', 'status_changed', 'score_changed')",
            name=op.f("ck_changes_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["sync_run_id"],
            ["sync_runs.id"],
            name=op.f("fk_changes_sync_run_id_sync_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_changes")),
    )
    op.create_index("ix_changes_at_id", "changes", ["at", "id"], unique=False)
    op.create_index("ix_changes_kind_at", "changes", ["kind", "at"], unique=False)
    op.create_index("ix_changes_model_id_at", "changes", ["model_id", "at"], unique=False)
    op.create_index("ix_changes_provider_id_at", "changes", ["provider_id", "at"], unique=False)
    op.create_table(
        "external_ids",
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("model_id", sa.Text(), nullable=False),
        sa.Column("match_method", sa.Text(), nullable=False),
        sa.Column("confidence", sa.Double(), server_default="1", nullable=False),
        sa.Column(
            "first_seen_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "match_method IN ('exact', 'normalized', 'hf-id', 'name', 'override')",
            name=op.f("ck_external_ids_match_method"),
        ),
        sa.ForeignKeyConstraint(
            ["model_id"], ["models.id"], name=op.f("fk_external_ids_model_id_models")
        ),
        sa.PrimaryKeyConstraint("source", "external_id", name=op.f("pk_external_ids")),
    )
    op.create_index(
        "ix_external_ids_lower_id",
        "external_ids",
        [sa.literal_column("lower(external_id)")],
        unique=False,
    )
    op.create_index("ix_external_ids_model_id", "external_ids", ["model_id"], unique=False)
    op.create_table(
        "offerings",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("provider_id", sa.Text(), nullable=False),
        sa.Column("provider_model_id", sa.Text(), nullable=False),
        sa.Column("model_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("input_price", sa.Numeric(), nullable=True),
        sa.Column("output_price", sa.Numeric(), nullable=True),
        sa.Column("cache_read_price", sa.Numeric(), nullable=True),
        sa.Column("cache_write_price", sa.Numeric(), nullable=True),
        sa.Column("reasoning_price", sa.Numeric(), nullable=True),
        sa.Column("input_audio_price", sa.Numeric(), nullable=True),
        sa.Column("output_audio_price", sa.Numeric(), nullable=True),
        sa.Column("request_price", sa.Numeric(), nullable=True),
        sa.Column("image_price", sa.Numeric(), nullable=True),
        sa.Column("price_tiers", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("is_free", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("price_variable", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("context_window", sa.Integer(), nullable=True),
        sa.Column("max_input_tokens", sa.Integer(), nullable=True),
        sa.Column("max_output_tokens", sa.Integer(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("status", sa.Text(), server_default="active", nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("provenance", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("content_hash", sa.Text(), nullable=True),
        sa.Column(
            "first_seen_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "last_seen_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("missing_syncs", sa.SmallInteger(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'deprecated', 'removed')", name=op.f("ck_offerings_status")
        ),
        sa.ForeignKeyConstraint(
            ["model_id"], ["models.id"], name=op.f("fk_offerings_model_id_models")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["providers.id"], name=op.f("fk_offerings_provider_id_providers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offerings")),
        sa.UniqueConstraint(
            "provider_id",
            "provider_model_id",
            name=op.f("uq_offerings_provider_id_provider_model_id"),
        ),
    )
    op.create_index("ix_offerings_model_id", "offerings", ["model_id"], unique=False)
    op.create_table(
        "scores",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("model_id", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("metric", sa.Text(), nullable=False),
        sa.Column("variant", sa.Text(), server_default="", nullable=False),
        sa.Column("value", sa.Numeric(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=True),
        sa.Column("self_reported", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["model_id"], ["models.id"], name=op.f("fk_scores_model_id_models")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scores")),
        sa.UniqueConstraint(
            "model_id",
            "source",
            "metric",
            "variant",
            name=op.f("uq_scores_model_id_source_metric_variant"),
        ),
    )
    op.execute("INSERT INTO catalog_state (id, version) VALUES (1, 0)")


def downgrade() -> None:
    op.drop_table("scores")
    op.drop_index("ix_offerings_model_id", table_name="offerings")
    op.drop_table("offerings")
    op.drop_index("ix_external_ids_model_id", table_name="external_ids")
    op.drop_index("ix_external_ids_lower_id", table_name="external_ids")
    op.drop_table("external_ids")
    op.drop_index("ix_changes_provider_id_at", table_name="changes")
    op.drop_index("ix_changes_model_id_at", table_name="changes")
    op.drop_index("ix_changes_kind_at", table_name="changes")
    op.drop_index("ix_changes_at_id", table_name="changes")
    op.drop_table("changes")
    op.drop_index(
        "uq_sync_runs_one_running",
        table_name="sync_runs",
        postgresql_where=sa.text("status = 'running'"),
    )
    op.drop_index("ix_sync_runs_started_at", table_name="sync_runs")
    op.drop_table("sync_runs")
    op.drop_table("source_records")
    op.drop_table("providers")
    op.drop_index(
        "ix_models_search_trgm",
        table_name="models",
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
    op.drop_index("ix_models_lower_name_id", table_name="models")
    op.drop_index("ix_models_release_date", table_name="models")
    op.drop_index("ix_models_huggingface_id", table_name="models")
    op.drop_index("ix_models_creator_id", table_name="models")
    op.drop_table("models")
    op.drop_table("catalog_state")
