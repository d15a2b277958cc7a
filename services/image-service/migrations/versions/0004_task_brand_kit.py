"""tasks.brand_kit_id and tasks.brand_guidance: the brand kit a generation named and what its prompt guidance
did (style words added, avoid words removed, the prompt before), as gallery-service answered at submit
(docs/marketing.md)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tasks", sa.Column("brand_kit_id", sa.Uuid(), nullable=True))
    op.add_column("tasks", sa.Column("brand_guidance", sa.JSON(), nullable=True))


def downgrade() -> None:
    # plain ALTER TABLE, also on SQLite (>= 3.35): a batch rebuild of `tasks` would drop the table that
    # task_images rows refer to (ON DELETE CASCADE)
    op.drop_column("tasks", "brand_guidance")
    op.drop_column("tasks", "brand_kit_id")
