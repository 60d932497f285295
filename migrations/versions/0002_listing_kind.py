"""offering listing kind; cheapest prices from one paid offering

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 05:40:00

Adds offerings.listing_kind (paid | free_variant | playground | price_unknown) and the
models' cheapest price when free tiers count. Existing rows get a kind from what they
already say (free -> free_variant, no price -> price_unknown); the next sync classifies
them with the full rules (sync/listing.py). The models' cheapest prices are recomputed
with the new rule: both prices of the one cheapest active paid offering.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS = "listing_kind IN ('paid', 'free_variant', 'playground', 'price_unknown')"
# Same rule as sync/write.py refresh_cheapest_prices at the time of this revision.
_REFRESH = """
UPDATE models m SET
    cheapest_input_price = paid.input_price, cheapest_output_price = paid.output_price,
    cheapest_any_input_price = any_.input_price, cheapest_any_output_price = any_.output_price
FROM models m2
LEFT JOIN LATERAL (
    SELECT o.input_price, o.output_price FROM offerings o
    WHERE o.model_id = m2.id AND o.status = 'active' AND o.listing_kind = 'paid'
      AND o.input_price IS NOT NULL AND o.output_price IS NOT NULL
    ORDER BY o.input_price + o.output_price, o.provider_id, o.provider_model_id LIMIT 1
) paid ON true
LEFT JOIN LATERAL (
    SELECT o.input_price, o.output_price FROM offerings o
    WHERE o.model_id = m2.id AND o.status = 'active'
      AND o.listing_kind IN ('paid', 'free_variant', 'playground')
      AND o.input_price IS NOT NULL AND o.output_price IS NOT NULL
    ORDER BY o.input_price + o.output_price, o.provider_id, o.provider_model_id LIMIT 1
) any_ ON true
WHERE m.id = m2.id
"""


def upgrade() -> None:
    op.add_column(
        "offerings",
        sa.Column("listing_kind", sa.Text(), server_default="paid", nullable=False),
    )
    op.create_check_constraint(op.f("ck_offerings_listing_kind"), "offerings", _KINDS)
    op.add_column("models", sa.Column("cheapest_any_input_price", sa.Numeric(), nullable=True))
    op.add_column("models", sa.Column("cheapest_any_output_price", sa.Numeric(), nullable=True))
    op.execute("UPDATE offerings SET listing_kind = 'free_variant' WHERE is_free")
    op.execute(
        "UPDATE offerings SET listing_kind = 'price_unknown' WHERE NOT is_free "
        "AND NOT price_variable AND input_price IS NULL AND output_price IS NULL"
    )
    op.execute(_REFRESH)


def downgrade() -> None:
    op.drop_column("models", "cheapest_any_output_price")
    op.drop_column("models", "cheapest_any_input_price")
    op.drop_constraint(op.f("ck_offerings_listing_kind"), "offerings", type_="check")
    op.drop_column("offerings", "listing_kind")
