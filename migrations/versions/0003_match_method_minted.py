"""external_ids.match_method may be 'minted' (the record matched nothing and got a new id);
models.alias_of names the model a moving alias (`-latest`, `deepseek-chat`) points at.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = "'exact', 'normalized', 'hf-id', 'name', 'override'"


def _constraint(methods: str) -> None:
    # "match_method": the metadata naming convention makes it ck_external_ids_match_method.
    op.drop_constraint(op.f("ck_external_ids_match_method"), "external_ids", type_="check")
    op.create_check_constraint("match_method", "external_ids", f"match_method IN ({methods})")


def upgrade() -> None:
    _constraint(f"{_OLD}, 'minted'")
    op.add_column("models", sa.Column("alias_of", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("models", "alias_of")
    # A new id is what every unmatched record got before 'minted' existed.
    op.execute("UPDATE external_ids SET match_method = 'exact' WHERE match_method = 'minted'")
    _constraint(_OLD)
